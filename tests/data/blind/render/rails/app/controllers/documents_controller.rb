class DocumentsController < ApplicationController
  before_action :authenticate_user!

  def new
    @document = current_user.documents.build
    gon.autype_api_key = ENV.fetch("AUTYPE_API_KEY")
    gon.autype_base_url = "https://api.autype.com/api/v1/dev"
  end

  def create
    @document = current_user.documents.create!(document_params)
    RenderJob.perform_later(@document.id)
    redirect_to @document
  end

  private

  def document_params
    params.require(:document).permit(:markdown)
  end
end
