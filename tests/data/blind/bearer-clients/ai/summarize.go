package ai

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
)

type chatRequest struct {
	Model    string        `json:"model"`
	Messages []chatMessage `json:"messages"`
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

func Summarize(text string) (*http.Response, error) {
	body, _ := json.Marshal(chatRequest{
		Model:    "gpt-4o-mini",
		Messages: []chatMessage{{Role: "user", Content: "Summarize:\n" + text}},
	})
	req, err := http.NewRequest("POST", "https://api.openai.com/v1/chat/completions", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+os.Getenv("OPENAI_API_KEY"))
	return http.DefaultClient.Do(req)
}
