// manifest-check decodes every object of rendered Kubernetes manifests (a multi-document YAML
// stream, as `helm template` prints it) strictly into the Go types the API server and the
// operators use: k8s.io/api for the built-in kinds, the Prometheus operator's published types for
// ServiceMonitor and PrometheusRule, and KEDA's for ScaledObject and TriggerAuthentication. A field
// the type does not have (a typo, a wrong indentation level, a field of another API version) is an
// error, as with `kubectl apply --validate=strict`; so is a kind or API version the types do not
// serve. See checks.go for what is checked beyond the types.
//
//	manifest-check [--keda-temporal-scaler FILE] MANIFEST...   (- reads standard input)
//
// Prints one line per object and exits 0 when every object passes, 1 when one does not, 2 when
// the input cannot be read.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// The API versions a current cluster serves, GA only: a manifest that still uses a removed or
// beta version (policy/v1beta1, autoscaling/v2beta2) has no type here and fails.
var addToScheme = []func(*runtime.Scheme) error{
	corev1.AddToScheme,
	appsv1.AddToScheme,
	autoscalingv2.AddToScheme,
	batchv1.AddToScheme,
	networkingv1.AddToScheme,
	policyv1.AddToScheme,
	rbacv1.AddToScheme,
	monitoringv1.AddToScheme,
	kedav1alpha1.AddToScheme,
}

// The copy of KEDA's temporal scaler source that the install script puts beside the binary: the
// scaler's parameters are read from it (see keda.go).
const kedaScalerSourceName = "keda-temporal-scaler.go.txt"

func main() {
	args := os.Args[1:]
	scalerSource := ""
	if len(args) >= 2 && args[0] == "--keda-temporal-scaler" {
		scalerSource, args = args[1], args[2:]
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(os.Stderr, "usage: manifest-check [--keda-temporal-scaler FILE] MANIFEST... (- for standard input)")
		os.Exit(2)
	}
	if scalerSource == "" {
		scalerSource = besideExecutable(kedaScalerSourceName)
	}
	scaler, err := readTemporalScalerParameters(scalerSource)
	if err != nil {
		fail("%v", err)
	}
	scheme := runtime.NewScheme()
	for _, add := range addToScheme {
		if err := add(scheme); err != nil {
			fail("%v", err)
		}
	}
	decoder := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})

	var objects []*checked
	for _, name := range args {
		documents, err := readDocuments(name)
		if err != nil {
			fail("%s: %v", name, err)
		}
		for _, doc := range documents {
			objects = append(objects, decode(decoder, doc))
		}
	}
	if len(objects) == 0 {
		fail("no objects in the input")
	}
	checkAll(objects, scaler)

	failed := 0
	for _, object := range objects {
		if len(object.problems) == 0 {
			fmt.Printf("ok    %s\n", object.id)
			continue
		}
		failed++
		fmt.Printf("FAIL  %s (%s)\n", object.id, object.where)
		for _, problem := range object.problems {
			fmt.Printf("        %s\n", problem)
		}
	}
	fmt.Printf("manifest-check: %d objects, %d failed\n", len(objects), failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "manifest-check: "+format+"\n", args...)
	os.Exit(2)
}

func besideExecutable(name string) string {
	executable, err := os.Executable()
	if err != nil {
		return name
	}
	return filepath.Join(filepath.Dir(executable), name)
}

type document struct {
	data  []byte
	where string
}

// readDocuments splits a YAML stream into its non-empty documents, each with where it came from
// (Helm's "# Source: chart/templates/x.yaml" comment when there is one).
func readDocuments(name string) ([]document, error) {
	var input io.Reader = os.Stdin
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer file.Close()
		input = file
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(input))
	var documents []document
	for index := 1; ; index++ {
		data, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return documents, nil
		}
		if err != nil {
			return nil, err
		}
		if isEmpty(data) {
			continue
		}
		where := fmt.Sprintf("%s, document %d", name, index)
		for _, line := range strings.Split(string(data), "\n") {
			if source, ok := strings.CutPrefix(line, "# Source: "); ok {
				where = source
				break
			}
		}
		documents = append(documents, document{data: data, where: where})
	}
}

// isEmpty: only comments and blank lines (Helm prints such documents for templates that render
// nothing).
func isEmpty(data []byte) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) > 0 && trimmed[0] != '#' && !bytes.Equal(trimmed, []byte("---")) {
			return false
		}
	}
	return true
}

type identity struct {
	gvk  schema.GroupVersionKind
	name string
}

func (id identity) String() string {
	return fmt.Sprintf("%s %s %s", id.gvk.GroupVersion(), id.gvk.Kind, id.name)
}

// checked is one decoded object and what is wrong with it.
type checked struct {
	id       identity
	where    string
	object   runtime.Object
	problems []string
}

func (c *checked) add(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func decode(decoder runtime.Decoder, doc document) *checked {
	result := &checked{where: doc.where}
	// The serializer reports the apiVersion and kind it read even when the object does not decode.
	object, decoded, err := decoder.Decode(doc.data, nil, nil)
	if decoded != nil {
		result.id.gvk = *decoded
	}
	if accessor, ok := object.(metav1.Object); ok {
		result.id.name = accessor.GetName()
	}
	if err != nil {
		strict, isStrict := runtime.AsStrictDecodingError(err)
		switch {
		case isStrict:
			// Unknown and duplicate fields: the object decoded, with those left out.
			for _, problem := range strict.Errors() {
				result.add("%s", problem.Error())
			}
		case runtime.IsNotRegisteredError(err):
			result.add("no type for %s %s: the versions checked are the GA APIs of Kubernetes (k8s.io/api), "+
				"monitoring.coreos.com/v1 and keda.sh/v1alpha1", result.id.gvk.GroupVersion(), result.id.gvk.Kind)
			return result
		default:
			result.add("%s", err.Error())
			return result
		}
	}
	result.object = object
	return result
}
