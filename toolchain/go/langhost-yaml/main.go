// Command pulumi-language-yaml serves the Pulumi YAML language host of
// github.com/pulumi/pulumi-yaml (the release pinned in go.mod), with one addition:
// a Link RPC that does nothing.
//
// The pinned release predates Link, which `pulumi package add` and `pulumi install`
// of the project's CLI call after generating a package's lock file; a YAML program
// needs no SDK linked (it reads the lock files under sdks/), so success with no
// import instructions is the right answer, as later pulumi-yaml releases give.
//
// Like the project's other plugins, it exits (with the processes it started) when
// its parent dies (package parentwatch).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-yaml/pkg/server"
	"github.com/pulumi/pulumi-yaml/pkg/version"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"

	"psk.local/toolchain/parentwatch"
)

const name = "pulumi-language-yaml"

// linkingHost is the upstream host plus a no-op Link.
type linkingHost struct {
	pulumirpc.LanguageRuntimeServer
}

func (linkingHost) Link(context.Context, *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return &pulumirpc.LinkResponse{}, nil
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println(version.Version) // set with -ldflags -X .../pkg/version.Version=
		return
	}
	// The flags the engine passes to a language host, before the engine address.
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint")
	flag.String("root", "", "root of the program (unused)")
	flag.String("compiler", "", "obsolete, ignored")
	flag.Parse()
	engineAddress := flag.Arg(0)
	logging.InitLogging(false, 0, false)
	parentwatch.Start(name)

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			upstream := server.NewLanguageHost(engineAddress, *tracing, false)
			pulumirpc.RegisterLanguageRuntimeServer(srv, linkingHost{upstream})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: could not start gRPC server: %v\n", name, err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "%s: gRPC server stopped: %v\n", name, err)
		os.Exit(1)
	}
}
