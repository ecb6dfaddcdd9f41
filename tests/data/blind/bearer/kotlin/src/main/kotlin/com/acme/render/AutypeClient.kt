package com.acme.render

import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.request.bearerAuth
import io.ktor.client.request.post
import io.ktor.client.request.setBody
import io.ktor.client.statement.readBytes
import io.ktor.http.ContentType
import io.ktor.http.contentType

class AutypeClient(private val http: HttpClient = HttpClient(CIO)) {
    private val apiKey: String = System.getenv("AUTYPE_API_KEY")

    suspend fun render(json: String): ByteArray =
        http.post("https://api.autype.com/api/v1/dev/render") {
            bearerAuth(apiKey)
            contentType(ContentType.Application.Json)
            setBody(json)
        }.readBytes()
}
