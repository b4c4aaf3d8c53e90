// Command pulumi-resource-kubernetes serves the pulumi-kubernetes provider (the release
// pinned in go.mod) with the schema and terraform mapping that build.sh generates from
// that release's committed files. It exits when its parent (the CLI) has died
// (package parentwatch), instead of serving an abandoned port.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"

	"psk.local/toolchain/parentwatch"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	parentwatch.Start("pulumi-resource-kubernetes")
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
