require "faraday"

# Posts a link to the rendered Autype PDF into Slack.
class SlackNotifier
  def initialize
    @slack = Faraday.new(url: "https://slack.com/api") do |f|
      f.request :authorization, "Bearer", ENV.fetch("SLACK_BOT_TOKEN")
      f.request :json
    end
    @autype = Faraday.new(url: "https://api.autype.com/api/v1/dev",
                          headers: { "X-API-Key" => ENV.fetch("AUTYPE_API_KEY") })
  end

  def announce(doc_id)
    pdf = @autype.get("documents/#{doc_id}")
    @slack.post("chat.postMessage", channel: "#docs", text: "Rendered #{doc_id} (#{pdf.body.bytesize} bytes)")
  end
end
