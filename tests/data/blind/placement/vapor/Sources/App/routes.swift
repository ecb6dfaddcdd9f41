import Vapor

private let autypeKey = "ak_Ktl-xBExB4tFlGaBwKCrnHilvjBsgEAnMhony"

func routes(_ app: Application) throws {
    app.post("documents", ":id", "pdf") { req async throws -> Response in
        let id = try req.parameters.require("id")
        let upstream = try await req.client.post("https://api.autype.com/api/v1/dev/render") { out in
            out.headers.add(name: "X-API-Key", value: autypeKey)
            try out.content.encode(["documentId": id, "format": "pdf"])
        }
        return Response(status: upstream.status, body: .init(buffer: upstream.body ?? ByteBuffer()))
    }
}
