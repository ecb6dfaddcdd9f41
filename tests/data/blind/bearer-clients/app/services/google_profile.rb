require "net/http"
require "json"

class GoogleProfile
  USERINFO = URI("https://openidconnect.googleapis.com/v1/userinfo")

  def initialize(access_token)
    @access_token = access_token
  end

  def fetch
    req = Net::HTTP::Get.new(USERINFO)
    req["Authorization"] = "Bearer #{@access_token}"
    res = Net::HTTP.start(USERINFO.host, USERINFO.port, use_ssl: true) { |h| h.request(req) }
    JSON.parse(res.body)
  end
end
