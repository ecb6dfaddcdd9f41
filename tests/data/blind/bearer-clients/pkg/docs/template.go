package docs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
)

func FetchTemplate(ctx context.Context, id string) ([]byte, error) {
	apiKey := os.Getenv("AUTYPE_API_KEY")
	url := fmt.Sprintf("https://api.autype.com/api/v1/dev/templates/%s", id)
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Add("Authorization", fmt.Sprintf("Bearer %s", apiKey))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("autype: unexpected status %d", resp.StatusCode)
	}
	return io.ReadAll(resp.Body)
}
