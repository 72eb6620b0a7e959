export { DiscoveryManager, type DiscoveryHooks, type DiscoveryManagerOptions, type SdConfigs } from './manager.js';
export { FileDiscoverer, readTargetFile } from './file-sd.js';
export { StaticDiscoverer } from './static.js';
export { KubernetesPodDiscoverer, type KubernetesSdHooks } from './kubernetes/kubernetes-sd.js';
export { buildPodGroup, podSource, type KubePod, type KubeContainer } from './kubernetes/pod.js';
export { IN_CLUSTER_DIR, KubeConfigError, resolveKubeConnection, type KubeConnection } from './kubernetes/client.js';
export { sanitizeLabelName, type Discoverer, type TargetGroup } from './target-group.js';
