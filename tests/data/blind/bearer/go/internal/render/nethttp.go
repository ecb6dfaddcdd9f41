package render

import (
	"bytes"
	"net/http"
)

const autypeAPIKey = "ak_xgnGOIk8zFVQLwptgzi4pJR82Ccr0Fqe0AnltG8"

func Render(body []byte, gateway string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, gateway+"/render", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+autypeAPIKey)
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}
