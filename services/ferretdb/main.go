// Command ferretdb-launcher runs an embedded FerretDB (SQLite handler) for local
// development and CI. It is started and stopped by scripts/services.
//
// Configuration comes from flags, with environment variables as defaults:
//
//	-listen    FERRETDB_LISTEN_ADDR  TCP address, e.g. 127.0.0.1:27017
//	-sqlite    FERRETDB_SQLITE_URL   SQLite directory URI, e.g. file:/data/ferretdb/
//	-log-level FERRETDB_LOG_LEVEL    debug, info, warn or error (FerretDB's own
//	                                 logs; "info" logs every connection)
//
// The process exits cleanly on SIGTERM or SIGINT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// options holds the launcher's settings.
type options struct {
	listen   string
	sqlite   string
	logLevel string
}

// envOr returns the value of the environment variable key, or def when unset.
func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// parseOptions reads flags (defaulting to environment variables).
func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("ferretdb-launcher", flag.ContinueOnError)
	fs.StringVar(&o.listen, "listen",
		envOr("FERRETDB_LISTEN_ADDR", "127.0.0.1:27017"), "TCP listen address")
	fs.StringVar(&o.sqlite, "sqlite",
		envOr("FERRETDB_SQLITE_URL", "file:data/"), "SQLite directory URI")
	fs.StringVar(&o.logLevel, "log-level",
		envOr("FERRETDB_LOG_LEVEL", "info"), "log level")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	dir, _, _ := strings.Cut(o.sqlite, "?")
	if !strings.HasPrefix(dir, "file:") || !strings.HasSuffix(dir, "/") {
		return o, fmt.Errorf("-sqlite must look like file:<dir>/[?options], got %q", o.sqlite)
	}
	return o, nil
}

// ensureDataDir creates the directory named by a file:<dir>/ URI.
func ensureDataDir(sqliteURL string) error {
	dir := strings.TrimPrefix(sqliteURL, "file:")
	if i := strings.IndexByte(dir, '?'); i >= 0 {
		dir = dir[:i]
	}
	return os.MkdirAll(filepath.Clean(dir), 0o755)
}

// newLogger builds a text logger on stderr at the requested level.
func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("bad log level %q: %w", level, err)
	}
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})
	return slog.New(h), nil
}

// run starts FerretDB and blocks until ctx is canceled.
func run(ctx context.Context, o options, logger *slog.Logger) error {
	if err := ensureDataDir(o.sqlite); err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: o.listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: o.sqlite,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "ferretdb-launcher: serving on %s, data %s\n", o.listen, o.sqlite)
	return f.Run(ctx)
}

func main() {
	o, err := parseOptions(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher:", err)
		os.Exit(2)
	}
	logger, err := newLogger(o.logLevel)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, o, logger); err != nil {
		logger.Error("ferretdb-launcher: failed", "error", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "ferretdb-launcher: stopped")
}
