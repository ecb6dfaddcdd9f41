import Foundation

enum DocumentExport {
    static let apiKey = "ak_rYfTC4a9eUfNBAQdZCPjZoTvRXfOh8tgUMsp"
    static let endpoint = URL(string: "https://api.autype.com/api/v1/dev/documents/render")!

    static func render(templateID: String, payload: [String: Any]) async throws -> Data {
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["templateId": templateID, "data": payload])
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw URLError(.badServerResponse)
        }
        return data
    }
}
