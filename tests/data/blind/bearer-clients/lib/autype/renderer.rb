# frozen_string_literal: true

require "net/http"
require "json"

module Autype
  class Renderer
    ENDPOINT = URI("https://api.autype.com/api/v1/dev/documents/render")

    def call(template_id, data)
      req = Net::HTTP::Post.new(ENDPOINT)
      req["Content-Type"] = "application/json"
      req["Authorization"] = "Bearer #{ENV.fetch('AUTYPE_API_KEY')}"
      req.body = { templateId: template_id, data: data }.to_json

      res = Net::HTTP.start(ENDPOINT.hostname, ENDPOINT.port, use_ssl: true) { |http| http.request(req) }
      raise "Autype error #{res.code}" unless res.is_a?(Net::HTTPSuccess)

      res.body
    end
  end
end
