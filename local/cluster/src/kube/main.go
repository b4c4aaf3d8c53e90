// Command kube is every program of the local cluster in one executable: etcd, the
// Kubernetes control plane and node components, kubectl and CoreDNS (with the plugin
// subset the cluster uses). It runs the program its name says (argv[0]: a hard link
// named kube-apiserver, kubelet, ...) or the one named by its first argument
// (`kube kubelet --config ...`). One link step and one compile of the packages the
// programs share, instead of one binary each.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric

	_ "k8s.io/client-go/plugin/pkg/client/auth" // kubectl's client auth plugins
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"

	_ "time/tzdata" // CronJob time zones (apiserver, controller-manager)

	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"

	"go.etcd.io/etcd/server/v3/etcdmain"

	"github.com/coredns/coredns/coremain"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/ready"
)

// cobraCommand runs a Kubernetes component's command the way its own main does.
func cobraCommand(newCommand func() *cobra.Command) func() int {
	return func() int { return cli.Run(newCommand()) }
}

var programs = map[string]func() int{
	"kube-apiserver":          cobraCommand(apiserver.NewAPIServerCommand),
	"kube-controller-manager": cobraCommand(controllermanager.NewControllerManagerCommand),
	"kube-scheduler": cobraCommand(func() *cobra.Command {
		return scheduler.NewSchedulerCommand()
	}),
	"kubelet": cobraCommand(func() *cobra.Command {
		return kubelet.NewKubeletCommand(context.Background())
	}),
	"kube-proxy": cobraCommand(proxy.NewProxyCommand),
	"kubectl": func() int {
		logs.GlogSetter(kubectlcmd.GetLogVerbosity(os.Args)) //nolint:errcheck
		if err := cli.RunNoErrOutput(kubectlcmd.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
		return 0
	},
	"etcd": func() int {
		etcdmain.Main(os.Args)
		return 0
	},
	"coredns": func() int {
		coremain.Run()
		return 0
	},
}

func names() []string {
	var n []string
	for name := range programs {
		n = append(n, name)
	}
	sort.Strings(n)
	return n
}

func main() {
	name := filepath.Base(os.Args[0])
	if _, ok := programs[name]; !ok {
		if len(os.Args) < 2 || programs[os.Args[1]] == nil {
			fmt.Fprintf(os.Stderr, "usage: %s PROGRAM [ARGS...], or a link named PROGRAM; programs: %v\n", name, names())
			os.Exit(2)
		}
		// `kube PROGRAM ARGS...`: the program sees itself as argv[0].
		name = os.Args[1]
		os.Args = os.Args[1:]
	}
	os.Exit(programs[name]())
}
