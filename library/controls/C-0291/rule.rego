package kubescape.controls.c0291

import data.kubescape.lib.controlplane
import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("ConfigMap %s/%s sets the kube-proxy metricsBindAddress to %q: the unauthenticated metrics endpoint is reachable from the network", [k8s.namespace(input), input.metadata.name, config.metricsBindAddress]),
	"failedPaths": [key_path(key)],
} if {
	some key, text in input.data
	contains(text, "KubeProxyConfiguration")
	config := yaml.unmarshal(text)
	config.kind == "KubeProxyConfiguration"
	config.metricsBindAddress != ""
	not controlplane.loopback(host(config.metricsBindAddress))
}

# host is the host part of a listen address: [::1]:10249, 127.0.0.1:10249,
# 0.0.0.0, or an IPv6 address without brackets or port.
host(address) := h if {
	[[_, h]] := regex.find_all_string_submatch_n(`^\[([^\]]*)\](?::[0-9]*)?$`, address, 1)
} else := address if {
	count(split(address, ":")) > 2
} else := split(address, ":")[0]

# key_path names a data key as a path: data.KEY, or data["key.name"].
key_path(key) := sprintf("data.%s", [key]) if {
	regex.match(`^[A-Za-z_][A-Za-z0-9_]*$`, key)
} else := sprintf("data[%q]", [key])
