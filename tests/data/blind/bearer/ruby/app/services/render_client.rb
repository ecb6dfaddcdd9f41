require "net/http"
require "json"

class RenderClient
  def initialize(endpoint: ENV.fetch("DOCS_GATEWAY_URL"))
    @endpoint = URI(endpoint)
  end

  def render(payload)
    api_key = ENV["AUTYPE_API_KEY"]
    req = Net::HTTP::Post.new(@endpoint + "/render")
    req["Authorization"] = "Bearer #{api_key}"
    req["Content-Type"] = "application/json"
    req.body = payload.to_json
    Net::HTTP.start(@endpoint.host, @endpoint.port, use_ssl: @endpoint.scheme == "https") { |h| h.request(req) }
  end
end
