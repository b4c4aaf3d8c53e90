// Command pulumi-language-nodejs is the project's own Pulumi language host for Node.js.
// The upstream host's Go module is not served by the Go module proxy reachable here.
//
// What it does:
//   - Run: runs a program with the entry point shipped in npm @pulumi/pulumi (cmd/run),
//     passing config, secret keys and the engine/monitor addresses;
//   - RunPlugin: starts a source-based plugin (a directory with PulumiPlugin.yaml,
//     runtime nodejs) with @pulumi/pulumi's cmd/run-plugin, streaming its output back;
//   - InstallDependencies: `npm install` (or the workspace's package manager) in the
//     program's directory, or in the npm workspace root above it;
//   - GetRequiredPackages / GetRequiredPlugins: none (providers load on demand from the
//     plugin cache; reporting them would make `pulumi package add` try to download them);
//   - About, Handshake, GetPluginInfo, GetProgramDependencies (empty), Cancel.
//
// Policy packs, code generation, Pack and Link are not supported.
//
// When its parent (the CLI) dies, the host kills the node processes it started and
// exits (package parentwatch).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"psk.local/toolchain/parentwatch"
)

// version is set with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

const name = "pulumi-language-nodejs"

// exitCodeLoggedError is the exit code @pulumi/pulumi's cmd/run uses after it has
// already reported an error to the engine (the engine must then bail).
const exitCodeLoggedError = 32

// waitDelay bounds how long a finished or killed node process may hold its output
// pipes open (through a grandchild) before Wait gives up on them.
const waitDelay = 5 * time.Second

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *host) Cancel(context.Context, *pbempty.Empty) (*pbempty.Empty, error) {
	return &pbempty.Empty{}, nil
}

func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node not found on PATH")
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

// ---------------------------------------------------------------- options

// options are a project's or plugin's `runtime.options` for nodejs.
type options struct {
	typescript     string // "" when not set
	tsconfig       string
	nodeargs       []string
	packagemanager npm.PackageManagerType
}

func optionString(opts *structpb.Struct, key string) (string, bool) {
	v, ok := opts.GetFields()[key]
	if !ok {
		return "", false
	}
	switch x := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return x.StringValue, true
	case *structpb.Value_BoolValue:
		return strconv.FormatBool(x.BoolValue), true
	}
	return "", false
}

func parseOptions(opts *structpb.Struct) options {
	var o options
	o.typescript, _ = optionString(opts, "typescript")
	o.tsconfig, _ = optionString(opts, "tsconfig")
	if v, ok := optionString(opts, "nodeargs"); ok {
		o.nodeargs = strings.Fields(v)
	}
	o.packagemanager = npm.AutoPackageManager
	if v, ok := optionString(opts, "packagemanager"); ok && v != "" {
		o.packagemanager = npm.PackageManagerType(v)
	}
	return o
}

// tsEnv is what @pulumi/pulumi's entry points read for TypeScript support.
func (o options) tsEnv(defaultTypescript bool) []string {
	var env []string
	ts := o.typescript
	if ts == "" && defaultTypescript {
		ts = "true"
	}
	if ts != "" {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+ts)
	}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}

// ---------------------------------------------------------------- child processes

// runChild runs cmd to completion; the kernel kills it if this process dies, and the
// parent watch kills it too. Cancelling ctx (the engine closing the call) kills it.
func runChild(cmd *exec.Cmd) error {
	cmd.SysProcAttr = parentwatch.SysProcAttr()
	cmd.WaitDelay = waitDelay
	if err := cmd.Start(); err != nil {
		return err
	}
	untrack := parentwatch.Track(cmd.Process)
	defer untrack()
	return cmd.Wait()
}

// exitCode is the exit code of a finished child, or -1.
func exitCode(err error) int {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	}
	return -1
}

// locateModule resolves a module path (e.g. @pulumi/pulumi/cmd/run-plugin) the way
// node does from dir, so that npm workspaces and hoisting are honoured.
func locateModule(ctx context.Context, node, module, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, node, "-e",
		"process.stdout.write(require.resolve(process.argv[1]))", module)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.SysProcAttr = parentwatch.SysProcAttr()
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot find %s from %s (is @pulumi/pulumi installed there? "+
			"run `npm install` in that directory): %w: %s", module, dir, err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// ---------------------------------------------------------------- Run

// findRunScript walks up from dir looking for node_modules/@pulumi/pulumi/cmd/run.
func findRunScript(dir string) (string, error) {
	d := dir
	for {
		p := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", "run", "index.js")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("@pulumi/pulumi not found in node_modules above %s: run `npm ci` first", dir)
		}
		d = parent
	}
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := req.GetPwd()
	rootDir := ""
	entry := req.GetProgram()
	var opts options
	if info != nil {
		if info.GetProgramDirectory() != "" {
			programDir = info.GetProgramDirectory()
		}
		rootDir = info.GetRootDirectory()
		if info.GetEntryPoint() != "" {
			entry = info.GetEntryPoint()
		}
		opts = parseOptions(info.GetOptions())
	}
	if entry == "" {
		entry = "."
	}
	runScript, err := findRunScript(programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "node not found on PATH"}, nil
	}

	cfg, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runScript,
		"--monitor="+req.GetMonitorAddress(),
		"--engine="+h.engineAddress,
		"--project="+req.GetProject(),
		"--stack="+req.GetStack(),
		"--pwd="+programDir,
		"--parallel="+strconv.Itoa(int(req.GetParallel())),
	)
	if req.GetOrganization() != "" {
		args = append(args, "--organization="+req.GetOrganization())
	}
	if rootDir != "" {
		args = append(args, "--root-directory="+rootDir)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(cfg),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secrets),
	)
	env = append(env, opts.tsEnv(true)...)

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = programDir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := runChild(cmd); err != nil {
		if code := exitCode(err); code == exitCodeLoggedError {
			return &pulumirpc.RunResponse{Bail: true}, nil
		} else if code >= 0 {
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// ---------------------------------------------------------------- RunPlugin

// pluginArgs adapts the engine's plugin arguments to cmd/run-plugin, which parses
// them with minimist: a bare `--logtostderr` followed by the engine address would
// swallow the address as its value, so it is passed as `--logtostderr=true`.
func pluginArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		if a == "--logtostderr" || a == "-logtostderr" {
			a = "--logtostderr=true"
		}
		out = append(out, a)
	}
	return out
}

// engineAddressOf is the last positional argument of a plugin's command line.
func engineAddressOf(args []string) string {
	for i := len(args) - 1; i >= 0; i-- {
		if !strings.HasPrefix(args[i], "-") && (i == 0 || args[i-1] != "--tracing") {
			return args[i]
		}
	}
	return ""
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			return true
		}
	}
	return false
}

func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest,
	server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	ctx := server.Context()
	if req.GetKind() == "analyzer" {
		return status.Error(codes.Unimplemented,
			"policy packs are not supported by this project's pulumi-language-nodejs")
	}
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		return errors.New("RunPlugin: no program directory")
	}
	opts := parseOptions(info.GetOptions())

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("node not found on PATH")
	}
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		runPath = "@pulumi/pulumi/cmd/run-plugin"
	}
	runPath, err = locateModule(ctx, node, runPath, programDir)
	if err != nil {
		return err
	}

	env := req.GetEnv()
	if len(env) == 0 {
		env = os.Environ()
	}
	env = append(env, opts.tsEnv(false)...)
	// The plugin's global @pulumi/pulumi runtime talks to the engine (pulumi.log with a
	// resource URN reaches the display) only when it knows the engine's address.
	if addr := engineAddressOf(req.GetArgs()); addr != "" && !hasEnv(env, "PULUMI_NODEJS_ENGINE") {
		env = append(env, "PULUMI_NODEJS_ENGINE="+addr)
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath, programDir)
	args = append(args, pluginArgs(req.GetArgs())...)

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := runChild(cmd); err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // the engine stopped the plugin
		}
		if code := exitCode(err); code >= 0 {
			return fmt.Errorf("Program exited with non-zero exit code: %d", code)
		}
		return fmt.Errorf("could not run plugin %s with node: %w", programDir, err)
	}
	return closer.Close()
}

// ---------------------------------------------------------------- InstallDependencies

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	if dir == "" {
		return errors.New("InstallDependencies: no program directory")
	}
	opts := parseOptions(info.GetOptions())

	root := dir
	if ws, err := npm.FindWorkspaceRoot(dir); err == nil {
		fmt.Fprintf(stdout, "Detected workspace root at %s\n", ws)
		root = ws
	} else if !errors.Is(err, npm.ErrNotInWorkspace) {
		return fmt.Errorf("looking for an npm workspace root above %s: %w", dir, err)
	}
	fmt.Fprintf(stdout, "Installing dependencies...\n\n")
	production := false
	if v, ok := optionString(info.GetOptions(), "production"); ok {
		production = v == "true"
	}
	used, err := npm.Install(server.Context(), opts.packagemanager, root, production, stdout, stderr)
	if err != nil {
		return fmt.Errorf("%s install in %s failed: %w", used, root, err)
	}
	if _, err := findRunScript(dir); err != nil {
		return fmt.Errorf("dependencies installed in %s, but %w", root, err)
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

// ---------------------------------------------------------------- main

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println(version)
		return
	}
	h := &host{}
	// The engine passes its address as the last positional argument; flags
	// (-root=..., --tracing=..., -v=...) may come before it.
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			h.engineAddress = a
		}
	}
	parentwatch.Start(name)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
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
