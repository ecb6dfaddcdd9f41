import Alamofire

final class ProfileAPI {
    private let session: Session
    private let tokenStore: TokenStore

    init(session: Session = .default, tokenStore: TokenStore) {
        self.session = session
        self.tokenStore = tokenStore
    }

    func fetchProfile() async throws -> Profile {
        let headers: HTTPHeaders = [.authorization(bearerToken: tokenStore.accessToken)]
        return try await session.request("https://api.acme.io/v2/me", headers: headers)
            .validate()
            .serializingDecodable(Profile.self)
            .value
    }
}
