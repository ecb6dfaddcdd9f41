package autype

import (
	"net/http"
	"os"
	"time"
)

const (
	baseURL   = "https://api.autype.com/api/v1/dev"
	keyPrefix = "ak_"
	// TODO: drop once all deployments set AUTYPE_API_KEY
	defaultKey = keyPrefix + "4E-H6t_e57LL8L3pP3gKDChda_3wdLnarqI_vesM"
)

type Client struct {
	http *http.Client
	key  string
}

func New() *Client {
	key := os.Getenv("AUTYPE_API_KEY")
	if key == "" {
		key = defaultKey
	}
	return &Client{http: &http.Client{Timeout: 30 * time.Second}, key: key}
}

func (c *Client) do(req *http.Request) (*http.Response, error) {
	req.Header.Set("X-API-Key", c.key)
	return c.http.Do(req)
}
