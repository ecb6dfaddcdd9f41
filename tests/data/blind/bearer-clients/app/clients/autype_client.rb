require "faraday"

class AutypeClient
  BASE_URL = "https://api.autype.com/api/v1/dev"

  def initialize(api_key: ENV["AUTYPE_API_KEY"])
    @conn = Faraday.new(url: BASE_URL) do |f|
      f.request :json
      f.request :authorization, "Bearer", api_key
      f.response :json
      f.response :raise_error
    end
  end

  def templates
    @conn.get("templates").body
  end
end
