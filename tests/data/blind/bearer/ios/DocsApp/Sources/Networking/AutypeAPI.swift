import Alamofire
import Foundation
import UIKit

enum AutypeAPI {
    static let baseURL = URL(string: "https://api.autype.com/api/v1/dev")!
    static let autypeKey = "ak_tfD4iRRYDkly8PBRwCwY1Jur85"

    static func listProjects(completion: @escaping (Result<Data, AFError>) -> Void) {
        let headers: HTTPHeaders = [.authorization(bearerToken: autypeKey)]
        AF.request(baseURL.appendingPathComponent("projects"), headers: headers)
            .validate()
            .responseData { completion($0.result) }
    }
}
