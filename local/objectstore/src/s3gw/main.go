// Command s3gw is the local object store: the Versity S3 Gateway (versitygw, Apache-2.0)
// serving one directory through the S3 API, built from its embedding package (embedgw)
// with the POSIX backend only. The upstream command also links the Azure, S3-proxy and
// ScoutFS backends and its admin and test tools, which this project does not use: the
// gateway code that answers requests is the same, the build is a third lighter.
//
// Usage: s3gw -listen ADDR:PORT -root DIR [-region REGION]
//
// The one account's keys come from the environment (ROOT_ACCESS_KEY_ID and
// ROOT_SECRET_ACCESS_KEY, the names upstream uses), never from the command line. Every
// request must be signed with them (SigV4 or SigV2); anonymous requests get 403. Objects
// are plain files under DIR/BUCKET/, their metadata in extended attributes. SIGTERM or
// SIGINT stops the gateway gracefully.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/versity/versitygw/backend/meta"
	"github.com/versity/versitygw/backend/posix"
	"github.com/versity/versitygw/embedgw"
)

// The upstream command's defaults for the settings it has flags for.
const (
	copyObjectThreshold = 5 << 30 // largest CopyObject source, as on AWS (5 GiB)
	maxConnections      = 250000
	maxRequests         = 100000
	maxParts            = 10000
)

func main() {
	listen := flag.String("listen", "", "S3 API listen address, IP:PORT")
	root := flag.String("root", "", "directory holding the buckets (needs extended attributes)")
	region := flag.String("region", "us-east-1", "region the S3 clients sign for")
	flag.Parse()
	if err := run(*listen, *root, *region); err != nil {
		fmt.Fprintf(os.Stderr, "s3gw: %v\n", err)
		os.Exit(1)
	}
}

func run(listen, root, region string) error {
	access, secret := os.Getenv("ROOT_ACCESS_KEY_ID"), os.Getenv("ROOT_SECRET_ACCESS_KEY")
	if listen == "" || root == "" || access == "" || secret == "" {
		return fmt.Errorf("need -listen, -root and the keys in ROOT_ACCESS_KEY_ID and ROOT_SECRET_ACCESS_KEY")
	}
	if err := (meta.XattrMeta{}).Test(root); err != nil {
		return fmt.Errorf("%s: extended attributes do not work: %w", root, err)
	}
	backend, err := posix.New(root, meta.XattrMeta{}, posix.PosixOpts{CopyObjectThreshold: copyObjectThreshold})
	if err != nil {
		return fmt.Errorf("posix backend on %s: %w", root, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Printf("s3gw: serving %s on http://%s (region %s)\n", root, listen, region)
	err = embedgw.RunVersityGW(ctx, backend, &embedgw.Config{
		RootUserAccess:    access,
		RootUserSecret:    secret,
		Region:            region,
		Ports:             []string{listen},
		MaxConnections:    maxConnections,
		MaxRequests:       maxRequests,
		MultipartMaxParts: maxParts,
		Quiet:             true,
	})
	fmt.Println("s3gw: stopped")
	return err
}
