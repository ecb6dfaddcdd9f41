package render

import (
	"os"

	"github.com/go-resty/resty/v2"
)

func NewClient() *resty.Client {
	key := os.Getenv("AUTYPE_API_KEY")
	return resty.New().
		SetBaseURL("https://api.autype.com/api/v1/dev").
		SetAuthToken(key).
		SetHeader("Accept", "application/json")
}
