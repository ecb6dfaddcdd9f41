require "faraday"

module Autype
  module Connection
    module_function

    def build
      Faraday.new(url: "https://api.autype.com/api/v1/dev") do |f|
        f.request :authorization, "Bearer", ENV.fetch("AUTYPE_API_KEY")
        f.request :json
        f.response :raise_error
        f.adapter Faraday.default_adapter
      end
    end
  end
end
