package com.acme

import io.ktor.client.HttpClient
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.server.application.call
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing

private const val AUTYPE_KEY = "ak_tjcISkPpPWKPov63MgTHAwJba5Doq-M8JuF"
private val client = HttpClient()

fun main() {
    embeddedServer(Netty, port = 8080) {
        routing {
            get("/projects") {
                val body = client.get("https://api.autype.com/api/v1/dev/projects") {
                    header("X-API-Key", AUTYPE_KEY)
                }.bodyAsText()
                call.respondText(body, ContentType.Application.Json)
            }
        }
    }.start(wait = true)
}
