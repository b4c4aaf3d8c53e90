//go:build tools

// The Pulumi CLI is built from this module's dependency github.com/pulumi/pulumi/pkg/v3
// (go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi); this import keeps it required.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
