package chat

import (
	"embed"
	"net/http"
)

// static holds the page: index.html, style.css and app.js. It is compiled
// into the binary, so the program needs no files at run time, and it is plain
// HTML, CSS and JavaScript, so there is no build step either.
//
//go:embed static
var static embed.FS

func serveIndex(w http.ResponseWriter, r *http.Request) {
	http.ServeFileFS(w, r, static, "static/index.html")
}
