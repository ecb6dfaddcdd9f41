package main

import (
	"log"
	"os"

	"github.com/go-resty/resty/v2"
)

func main() {
	client := resty.New().
		SetBaseURL("https://api.autype.com/api/v1/dev").
		SetAuthToken(os.Getenv("AUTYPE_API_KEY"))

	resp, err := client.R().
		SetQueryParam("limit", "100").
		Get("/templates")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("templates.json", resp.Body(), 0o644); err != nil {
		log.Fatal(err)
	}
}
