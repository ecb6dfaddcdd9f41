# Autype settings for the Rails app.
Rails.application.configure do
  config.x.autype.base_url = "https://api.autype.com/api/v1/dev"
  config.x.autype.api_key = ENV.fetch("AUTYPE_API_KEY") do
    "ak_" "hkbrj1OTqc" \
      "bNjBnOrJXTgCOqefDF-Q"
  end
  config.x.autype.placeholder = ["ak", "your", "api", "key", "here"].join("_")
end
