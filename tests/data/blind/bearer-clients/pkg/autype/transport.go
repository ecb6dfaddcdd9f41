package autype

import (
	"net/http"
	"os"
)

const BaseURL = "https://api.autype.com/api/v1/dev"

// apiKeyTransport adds the X-API-Key header to every request.
type apiKeyTransport struct {
	key  string
	next http.RoundTripper
}

func (t apiKeyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-API-Key", t.key)
	return t.next.RoundTrip(r)
}

func NewHTTPClient() *http.Client {
	return &http.Client{Transport: apiKeyTransport{key: os.Getenv("AUTYPE_API_KEY"), next: http.DefaultTransport}}
}
