package main

import (
	"sort"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Beyond the types: the API server's own checks that need no cluster (names, labels, selectors,
// container fields), and references between the objects of one release that a cluster would only
// reveal by not working — a Service, budget or policy selecting no pod, a ServiceMonitor selecting
// no Service, an autoscaler aimed at a Deployment that is not there, a temporal trigger with a
// parameter KEDA's scaler does not have.

// pods is one workload's pod template, as the other objects select it.
type pods struct {
	owner  *checked
	labels labels.Set
	spec   *corev1.PodSpec
}

func checkAll(objects []*checked, scaler *scalerParameters) {
	seen := map[string]*checked{}
	var templates []pods
	services := map[string]*corev1.Service{}
	deployments := map[string]bool{}
	triggerAuths := map[string]*kedav1alpha1.TriggerAuthentication{}
	for _, object := range objects {
		if object.object == nil {
			continue
		}
		key := object.id.gvk.GroupKind().String() + "/" + object.id.name
		if first, ok := seen[key]; ok {
			object.add("a second %s named %q (the first is in %s)", object.id.gvk.Kind, object.id.name, first.where)
		}
		seen[key] = object
		for _, err := range validateObject(object.object) {
			object.add("%s", err.Error())
		}
		if template := podTemplate(object.object); template != nil {
			templates = append(templates, pods{object, template.Labels, &template.Spec})
		}
		switch typed := object.object.(type) {
		case *appsv1.Deployment:
			deployments[typed.Name] = true
		case *corev1.Service:
			services[typed.Name] = typed
		case *kedav1alpha1.TriggerAuthentication:
			triggerAuths[typed.Name] = typed
		}
	}

	for _, object := range objects {
		switch typed := object.object.(type) {
		case *corev1.Service:
			checkService(object, typed, templates)
		case *policyv1.PodDisruptionBudget:
			if typed.Spec.Selector != nil {
				selectsPods(object, typed.Spec.Selector, "spec.selector", templates)
			}
		case *networkingv1.NetworkPolicy:
			selectsPods(object, &typed.Spec.PodSelector, "spec.podSelector", templates)
		case *autoscalingv2.HorizontalPodAutoscaler:
			ref := typed.Spec.ScaleTargetRef
			if ref.Kind != "Deployment" || !deployments[ref.Name] {
				object.add("spec.scaleTargetRef: no Deployment %q among the objects", ref.Name)
			}
		case *kedav1alpha1.ScaledObject:
			checkScaledObject(object, typed, deployments, triggerAuths, scaler)
		case *monitoringv1.ServiceMonitor:
			checkServiceMonitor(object, typed, services)
		}
	}
}

// podTemplate is the pod template of a workload (Deployment, StatefulSet, Job), nil for other kinds.
func podTemplate(object runtime.Object) *corev1.PodTemplateSpec {
	switch typed := object.(type) {
	case *appsv1.Deployment:
		return &typed.Spec.Template
	case *appsv1.StatefulSet:
		return &typed.Spec.Template
	case *batchv1.Job:
		return &typed.Spec.Template
	}
	return nil
}

func selectsPods(object *checked, selector *metav1.LabelSelector, path string, templates []pods) []pods {
	parsed, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		object.add("%s: %v", path, err)
		return nil
	}
	var matched []pods
	for _, template := range templates {
		if parsed.Matches(template.labels) {
			matched = append(matched, template)
		}
	}
	if len(matched) == 0 {
		object.add("%s: selects no pod of the workloads among the objects", path)
	}
	return matched
}

func checkService(object *checked, service *corev1.Service, templates []pods) {
	if len(service.Spec.Selector) == 0 {
		return
	}
	matched := selectsPods(object, metav1.SetAsLabelSelector(service.Spec.Selector), "spec.selector", templates)
	for i, port := range service.Spec.Ports {
		if port.TargetPort.Type != intstr.String {
			continue
		}
		for _, template := range matched {
			if !declaresPort(template.spec, port.TargetPort.StrVal) {
				object.add("spec.ports[%d].targetPort: %q is not a port of the pods of %s", i, port.TargetPort.StrVal, template.owner.id)
			}
		}
	}
}

func declaresPort(spec *corev1.PodSpec, name string) bool {
	for _, container := range spec.Containers {
		for _, port := range container.Ports {
			if port.Name == name {
				return true
			}
		}
	}
	return false
}

func checkScaledObject(object *checked, scaled *kedav1alpha1.ScaledObject, deployments map[string]bool,
	auths map[string]*kedav1alpha1.TriggerAuthentication, scaler *scalerParameters) {
	ref := scaled.Spec.ScaleTargetRef
	if ref == nil || (ref.Kind != "" && ref.Kind != "Deployment") || !deployments[ref.Name] {
		name := ""
		if ref != nil {
			name = ref.Name
		}
		object.add("spec.scaleTargetRef: no Deployment %q among the objects", name)
	}
	for i, trigger := range scaled.Spec.Triggers {
		if trigger.Type != "temporal" {
			continue
		}
		authParams := map[string]bool{}
		if ref := trigger.AuthenticationRef; ref != nil {
			auth, ok := auths[ref.Name]
			if (ref.Kind != "" && ref.Kind != "TriggerAuthentication") || !ok {
				object.add("spec.triggers[%d].authenticationRef: no TriggerAuthentication %q among the objects", i, ref.Name)
			} else {
				for _, secret := range auth.Spec.SecretTargetRef {
					authParams[secret.Parameter] = true
				}
			}
		}
		problems := scaler.checkTrigger(trigger.Metadata, authParams)
		sort.Strings(problems)
		for _, problem := range problems {
			object.add("spec.triggers[%d]: %s", i, problem)
		}
	}
}

func checkServiceMonitor(object *checked, monitor *monitoringv1.ServiceMonitor, services map[string]*corev1.Service) {
	selector, err := metav1.LabelSelectorAsSelector(&monitor.Spec.Selector)
	if err != nil {
		object.add("spec.selector: %v", err)
		return
	}
	var matched []*corev1.Service
	for _, service := range services {
		if selector.Matches(labels.Set(service.Labels)) {
			matched = append(matched, service)
		}
	}
	if len(matched) == 0 {
		object.add("spec.selector: selects no Service among the objects")
	}
	for i, endpoint := range monitor.Spec.Endpoints {
		if endpoint.Port == "" {
			continue
		}
		for _, service := range matched {
			found := false
			for _, port := range service.Spec.Ports {
				found = found || port.Name == endpoint.Port
			}
			if !found {
				object.add("spec.endpoints[%d].port: Service %s has no port named %q", i, service.Name, endpoint.Port)
			}
		}
	}
}

// validateObject applies the API server's checks that need no cluster.
func validateObject(object runtime.Object) field.ErrorList {
	var errs field.ErrorList
	if accessor, ok := object.(metav1.Object); ok {
		meta := field.NewPath("metadata")
		name := accessor.GetName()
		nameRule := validation.IsDNS1123Subdomain
		if _, isService := object.(*corev1.Service); isService {
			nameRule = validation.IsDNS1035Label
		}
		if name == "" {
			errs = append(errs, field.Required(meta.Child("name"), ""))
		}
		for _, msg := range nameRule(name) {
			errs = append(errs, field.Invalid(meta.Child("name"), name, msg))
		}
		errs = append(errs, metav1validation.ValidateLabels(accessor.GetLabels(), meta.Child("labels"))...)
	}
	spec := field.NewPath("spec")
	switch typed := object.(type) {
	// A Job's selector is the API server's to generate: only the others' is checked.
	case *appsv1.Deployment:
		errs = append(errs, selectorMatches(typed.Spec.Selector, typed.Spec.Template.Labels, spec)...)
	case *appsv1.StatefulSet:
		errs = append(errs, selectorMatches(typed.Spec.Selector, typed.Spec.Template.Labels, spec)...)
	case *corev1.Pod:
		errs = append(errs, validatePod(&typed.Spec, spec)...)
	case *policyv1.PodDisruptionBudget:
		if typed.Spec.Selector == nil {
			errs = append(errs, field.Required(spec.Child("selector"), "a budget without a selector covers no pod"))
		}
		if (typed.Spec.MinAvailable == nil) == (typed.Spec.MaxUnavailable == nil) {
			errs = append(errs, field.Invalid(spec, "", "exactly one of minAvailable and maxUnavailable"))
		}
	}
	if template := podTemplate(object); template != nil {
		errs = append(errs, validatePod(&template.Spec, spec.Child("template", "spec"))...)
	}
	return errs
}

func selectorMatches(selector *metav1.LabelSelector, podLabels map[string]string, spec *field.Path) field.ErrorList {
	path := spec.Child("selector")
	if selector == nil {
		return field.ErrorList{field.Required(path, "")}
	}
	errs := metav1validation.ValidateLabelSelector(selector, metav1validation.LabelSelectorValidationOptions{}, path)
	parsed, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return append(errs, field.Invalid(path, selector, err.Error()))
	}
	if parsed.Empty() {
		errs = append(errs, field.Invalid(path, selector, "empty selector is invalid for a workload"))
	} else if !parsed.Matches(labels.Set(podLabels)) {
		errs = append(errs, field.Invalid(spec.Child("template", "metadata", "labels"), podLabels,
			"`selector` does not match template `labels`"))
	}
	return errs
}

func validatePod(pod *corev1.PodSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	volumes := map[string]bool{}
	for i, volume := range pod.Volumes {
		at := path.Child("volumes").Index(i).Child("name")
		for _, msg := range validation.IsDNS1123Label(volume.Name) {
			errs = append(errs, field.Invalid(at, volume.Name, msg))
		}
		if volumes[volume.Name] {
			errs = append(errs, field.Duplicate(at, volume.Name))
		}
		volumes[volume.Name] = true
	}
	containers := map[string]bool{}
	check := func(kind string, list []corev1.Container) {
		for i := range list {
			errs = append(errs, validateContainer(&list[i], volumes, containers, path.Child(kind).Index(i))...)
		}
	}
	check("initContainers", pod.InitContainers)
	check("containers", pod.Containers)
	if len(pod.Containers) == 0 {
		errs = append(errs, field.Required(path.Child("containers"), ""))
	}
	return errs
}

func validateContainer(c *corev1.Container, volumes, names map[string]bool, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(c.Name) {
		errs = append(errs, field.Invalid(path.Child("name"), c.Name, msg))
	}
	if names[c.Name] {
		errs = append(errs, field.Duplicate(path.Child("name"), c.Name))
	}
	names[c.Name] = true
	if c.Image == "" {
		errs = append(errs, field.Required(path.Child("image"), ""))
	}
	ports := map[string]bool{}
	for i, port := range c.Ports {
		at := path.Child("ports").Index(i)
		for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
			errs = append(errs, field.Invalid(at.Child("containerPort"), port.ContainerPort, msg))
		}
		if port.Name == "" {
			continue
		}
		for _, msg := range validation.IsValidPortName(port.Name) {
			errs = append(errs, field.Invalid(at.Child("name"), port.Name, msg))
		}
		if ports[port.Name] {
			errs = append(errs, field.Duplicate(at.Child("name"), port.Name))
		}
		ports[port.Name] = true
	}
	env := map[string]bool{}
	for i, variable := range c.Env {
		at := path.Child("env").Index(i).Child("name")
		for _, msg := range validation.IsEnvVarName(variable.Name) {
			errs = append(errs, field.Invalid(at, variable.Name, msg))
		}
		// The API server only warns here; the later value silently wins, which is never meant.
		if env[variable.Name] {
			errs = append(errs, field.Duplicate(at, variable.Name))
		}
		env[variable.Name] = true
	}
	for i, mount := range c.VolumeMounts {
		if !volumes[mount.Name] {
			errs = append(errs, field.NotFound(path.Child("volumeMounts").Index(i).Child("name"), mount.Name))
		}
	}
	for _, probe := range []struct {
		name  string
		probe *corev1.Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
		if probe.probe == nil {
			continue
		}
		var port *intstr.IntOrString
		switch {
		case probe.probe.HTTPGet != nil:
			port = &probe.probe.HTTPGet.Port
		case probe.probe.TCPSocket != nil:
			port = &probe.probe.TCPSocket.Port
		}
		if port != nil && port.Type == intstr.String && !ports[port.StrVal] {
			errs = append(errs, field.NotFound(path.Child(probe.name, "port"), port.StrVal))
		}
	}
	return errs
}
