import Alamofire
import Foundation

struct AutypeService {
    private let baseURL = "https://api.autype.com/api/v1/dev"
    private let autypeKey = ProcessInfo.processInfo.environment["AUTYPE_API_KEY"] ?? ""

    func listTemplates() async throws -> Data {
        let headers: HTTPHeaders = [
            .authorization(bearerToken: autypeKey),
            .accept("application/json"),
        ]
        return try await AF.request("\(baseURL)/templates", headers: headers)
            .validate()
            .serializingData()
            .value
    }
}
