package autype

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

const baseURL = "https://api.autype.com/api/v1/dev"

type Client struct {
	http *http.Client
}

func New() *Client {
	return &Client{http: &http.Client{Timeout: 30 * time.Second}}
}

func (c *Client) Render(templateID string, data map[string]any) (*http.Response, error) {
	body, err := json.Marshal(map[string]any{"templateId": templateID, "data": data})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, baseURL+"/documents/render", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+os.Getenv("AUTYPE_API_KEY"))
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("autype: %w", err)
	}
	return resp, nil
}
