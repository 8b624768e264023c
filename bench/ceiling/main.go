// Command ceiling is the "bare net/http" reference server of the API speed
// benchmark (bench/api): it decodes a JSON request body and answers a small
// JSON document, with no routing table, validation, identity or storage.
// Its throughput is the ceiling any Go JSON-over-HTTP server can reach on
// the machine with the same client pattern.
//
//	ceiling --addr 127.0.0.1:PORT
//
// GET /health answers 200 {"status":"ok"}; POST /{operation} with a JSON
// object body answers 200 {"Operation":..., "Name":..., "Fields":n,
// "RequestId":...}, or 400 when the body is not a JSON object.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

type response struct {
	Operation string `json:"Operation"`
	Name      string `json:"Name,omitempty"`
	Fields    int    `json:"Fields"`
	RequestID string `json:"RequestId"`
}

var requests atomic.Uint64

func handle(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		http.Error(w, `{"Message":"body is not a JSON object"}`, http.StatusBadRequest)
		return
	}
	out := response{Operation: r.PathValue("op"), Fields: len(in), RequestID: strconv.FormatUint(requests.Add(1), 10)}
	if name, ok := in["Name"].(string); ok {
		out.Name = name
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:4600", "listen address")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("POST /{op}", handle)
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt, syscall.SIGTERM)
		<-c
		srv.Close()
	}()
	if err := srv.Serve(l); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
