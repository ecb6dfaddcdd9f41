package gateway

import (
	"net/http"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Renders are forwarded to the Autype API (X-API-Key); usage is reported to the
// internal metering service, which wants a short-lived JWT bearer token.
func signMeteringToken() (string, error) {
	claims := jwt.MapClaims{"sub": "docs-gateway", "exp": time.Now().Add(time.Minute).Unix()}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(os.Getenv("METERING_JWT_SECRET")))
}

func reportUsage(req *http.Request) error {
	tok, err := signMeteringToken()
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	_, err = http.DefaultClient.Do(req)
	return err
}

func forwardRender(req *http.Request) (*http.Response, error) {
	req.Header.Set("X-API-Key", os.Getenv("AUTYPE_API_KEY"))
	return http.DefaultClient.Do(req)
}
