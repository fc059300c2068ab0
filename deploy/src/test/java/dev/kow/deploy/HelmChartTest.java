package dev.kow.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.kow.worker.config.BatchesProperties;
import dev.kow.worker.config.HostProperties;
import dev.kow.worker.config.IntakeProperties;
import dev.kow.worker.config.OllamaProperties;
import dev.kow.worker.config.SchedulingProperties;
import dev.kow.worker.config.TimeoutProperties;
import dev.kow.worker.config.TopicsProperties;
import dev.kow.worker.job.Lane;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Helm chart, linted strictly and rendered with Helm's own code (helm-java) for the
 * default values and for production-like ones; the rendered {@code application.yaml} is
 * bound to the worker's configuration records, so the chart and the worker agree on every
 * key they share.
 */
class HelmChartTest {

	private static final Path CHART = Path.of("helm", "kafka-ollama-worker");

	private static final Path PRODUCTION = Path.of("src", "test", "resources", "production-values.yaml");

	private static final Path CONVENTIONS = Path.of("src", "test", "resources", "conventions-values.yaml");

	private static final String IMAGE = "registry.example.com/ml/kafka-ollama-worker";

	/**
	 * Helm's linter reads the chart's own values, whose image.repository is empty on
	 * purpose: a copy of the chart with the repository set is linted.
	 */
	@Test
	void lintsStrictlyOnceTheImageIsSet(@TempDir Path dir) throws IOException {
		Path chart = dir.resolve("kafka-ollama-worker");
		try (Stream<Path> files = Files.walk(CHART)) {
			for (Path file : files.toList()) {
				Path target = chart.resolve(CHART.relativize(file).toString());
				if (Files.isDirectory(file)) {
					Files.createDirectories(target);
				}
				else {
					Files.copy(file, target);
				}
			}
		}
		Path values = chart.resolve("values.yaml");
		String text = Files.readString(values);
		assertThat(text).contains("  repository: \"\"\n");
		Files.writeString(values, text.replace("  repository: \"\"\n", "  repository: " + IMAGE + "\n"));
		LintResult lint = new Helm(chart).lint().strict().call();
		assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
	}

	@Test
	void withoutAnImageTheSchemaRefusesTheValues() {
		assertThatThrownBy(() -> new Helm(CHART).template().withName("kow").call())
			.hasMessageContaining("'/image/repository': minLength");
	}

	@Test
	void conventionsOfWidelyUsedChartsAlertsAndTheDashboardConfigMap() throws IOException {
		Manifests manifests = render(CONVENTIONS);
		Map<String, Object> deployment = manifests.one("Deployment");
		assertThat(path(deployment, "metadata", "name")).as("fullnameOverride").isEqualTo("gpu-batch");
		assertThat(path(deployment, "metadata", "labels", "app.kubernetes.io/name")).as("nameOverride")
			.isEqualTo("llm-worker");
		Map<String, Object> pod = map(path(deployment, "spec", "template", "spec"));
		assertThat(path(deployment, "spec", "template", "metadata", "labels", "team")).isEqualTo("ml-platform");
		assertThat(pod.get("priorityClassName")).isEqualTo("batch-high");
		assertThat(path(map(list(pod.get("topologySpreadConstraints")).get(0)), "labelSelector", "matchLabels",
				"app.kubernetes.io/instance"))
			.as("templated")
			.isEqualTo("kow");
		assertThat(path(manifests.one("ServiceAccount"), "metadata", "annotations", "eks.amazonaws.com/role-arn"))
			.isEqualTo("arn:aws:iam::123456789012:role/kow");
		Map<String, Object> container = map(list(pod.get("containers")).get(0));
		List<Map<String, Object>> env = list(container.get("env")).stream().map(HelmChartTest::map).toList();
		assertThat(env).extracting(e -> e.get("name"))
			.contains("OTEL_RESOURCE_ATTRIBUTES", "SCHEMA_REGISTRY_BEARER_TOKEN", "SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD")
			.as("SASL_SSL with public certificates: no trust store")
			.doesNotContain("KAFKA_TRUSTSTORE_PASSWORD");
		assertThat(list(container.get("volumeMounts"))).extracting(m -> map(m).get("mountPath"))
			.contains("/etc/corp-ca", "/etc/kow/registry-tls")
			.doesNotContain("/etc/kow/kafka-tls");
		assertThat(list(pod.get("volumes"))).extracting(v -> map(v).get("name"))
			.contains("corp-ca", "registry-tls")
			.doesNotContain("kafka-tls");

		Map<String, Object> scaled = manifests.one("ScaledObject");
		assertThat(path(scaled, "spec", "minReplicaCount")).as("KEDA scales to zero").isEqualTo(0);
		assertThat(list(path(scaled, "spec", "triggers"))).extracting(t -> path(map(t), "metadata", "tls"))
			.containsOnly("enable");
		assertThat(list(path(manifests.one("TriggerAuthentication"), "spec", "secretTargetRef")))
			.as("KEDA too verifies the brokers with the system CA")
			.extracting(ref -> map(ref).get("parameter"))
			.containsExactly("username", "password");
		Binder config = manifests.workerConfig();
		assertThat(config.bind("spring.kafka.security.protocol", String.class).get()).isEqualTo("SASL_SSL");
		assertThat(config.bind("spring.kafka.ssl.trust-store-location", String.class).isBound())
			.as("the JVM's CA certificates verify the brokers")
			.isFalse();
		Map<String, String> registry = config
			.bind("worker.schema-registry.properties", Bindable.mapOf(String.class, String.class))
			.get();
		assertThat(registry).containsEntry("bearer.auth.credentials.source", "STATIC_TOKEN")
			.containsEntry("bearer.auth.token", "${SCHEMA_REGISTRY_BEARER_TOKEN}")
			.containsEntry("schema.registry.ssl.truststore.location", "/etc/kow/registry-tls/truststore.p12")
			.containsEntry("schema.registry.ssl.truststore.password", "${SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD}");

		Map<String, Object> rule = manifests.one("PrometheusRule");
		assertThat(path(rule, "metadata", "labels", "release")).isEqualTo("kube-prometheus-stack");
		List<Map<String, Object>> alerts = list(path(map(list(path(rule, "spec", "groups")).get(0)), "rules")).stream()
			.map(HelmChartTest::map)
			.toList();
		assertThat(alerts).extracting(a -> a.get("alert"))
			.containsExactly("KowCircuitBreakerOpen", "KowBacklogGrowing", "KowDeadLetterRate", "KowWorkerWithoutSlots",
					"KowWorkerNotReady");
		assertThat(alerts).extracting(a -> (String) a.get("expr"))
			.allSatisfy(expr -> assertThat(expr).contains("namespace=\"ml\""))
			.anySatisfy(
					expr -> assertThat(expr).contains("kow_host_circuit_open{namespace=\"ml\",service=\"gpu-batch\"}"))
			.anySatisfy(expr -> assertThat(expr).contains("kow_lane_backlog", "deriv("))
			.anySatisfy(expr -> assertThat(expr).contains("kow_dead_letters_total"))
			.anySatisfy(expr -> assertThat(expr).contains("kow_host_share", "kow_lane_backlog"))
			.anySatisfy(expr -> assertThat(expr).contains("kube_pod_status_ready", "gpu-batch-.*"));
		assertThat(alerts).allSatisfy(
				a -> assertThat(a.get("for")).isEqualTo("KowBacklogGrowing".equals(a.get("alert")) ? "15m" : "5m"));

		Map<String, Object> dashboard = manifests.all("ConfigMap")
			.stream()
			.filter(c -> path(c, "metadata", "labels", "grafana_dashboard") != null)
			.findFirst()
			.orElseThrow();
		assertThat(path(dashboard, "metadata", "labels", "grafana_dashboard")).isEqualTo("1");
		JsonMapper json = JsonMapper.builder().build();
		assertThat(json.readTree((String) path(dashboard, "data", "kafka-ollama-worker.json"))).isEqualTo(
				json.readTree(Files.readString(CHART.resolve("dashboards").resolve("kafka-ollama-worker.json"))));
	}

	@Test
	void defaultValuesRenderAHardenedDeploymentWithoutAutoscaling() {
		Manifests manifests = render(false);
		Map<String, Object> deployment = manifests.one("Deployment");
		assertThat(path(deployment, "spec", "replicas")).isEqualTo(2);
		Map<String, Object> pod = map(path(deployment, "spec", "template", "spec"));
		assertThat(path(pod, "securityContext", "runAsNonRoot")).isEqualTo(true);
		assertThat(pod.get("terminationGracePeriodSeconds")).as("drain timeout + 15 s").isEqualTo(45);
		Map<String, Object> container = map(list(pod.get("containers")).get(0));
		assertThat(path(container, "securityContext", "readOnlyRootFilesystem")).isEqualTo(true);
		assertThat(path(container, "securityContext", "allowPrivilegeEscalation")).isEqualTo(false);
		assertThat(path(container, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
		assertThat(path(container, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
		assertThat(manifests.all("PodDisruptionBudget")).hasSize(1);
		assertThat(path(manifests.one("PodDisruptionBudget"), "spec", "unhealthyPodEvictionPolicy"))
			.isEqualTo("AlwaysAllow");
		assertThat(manifests.all("ScaledObject")).isEmpty();
		assertThat(manifests.all("HorizontalPodAutoscaler")).isEmpty();
		assertThat(manifests.all("ServiceMonitor")).isEmpty();
		Binder config = manifests.workerConfig();
		assertThat(config.bindOrCreate("worker.ollama", OllamaProperties.class).hosts()).singleElement()
			.satisfies(host -> assertThat(host.slots()).isEqualTo(4));
		assertThat(config.bindOrCreate("worker.topics", TopicsProperties.class).high())
			.isEqualTo("inference.requests.high");
		assertThat(config.bindOrCreate("worker.topics", TopicsProperties.class).fleetState())
			.isEqualTo("inference.fleet-state");
		assertThat(config.bindOrCreate("worker.topics", TopicsProperties.class).batchCounts())
			.isEqualTo("inference.batch-counts");
		assertThat(config.bindOrCreate("worker.batches", BatchesProperties.class).enabled()).isTrue();
		assertThat(config.bindOrCreate("worker.ollama", OllamaProperties.class).slotSharing().mode())
			.isEqualTo(OllamaProperties.Sharing.Mode.DEMAND);
		assertThat(config.bindOrCreate("worker.scheduling", SchedulingProperties.class).preemption().lanes())
			.containsExactly(Lane.HIGH);
	}

	@Test
	void productionValuesRenderSaslTlsSecretsKedaOnTheThreeLanesAndAServiceMonitor() {
		Manifests manifests = render(true);
		Map<String, Object> deployment = manifests.one("Deployment");
		assertThat(path(deployment, "spec", "replicas")).as("KEDA owns the replica count").isNull();
		Map<String, Object> container = map(list(path(deployment, "spec", "template", "spec", "containers")).get(0));
		assertThat(container.get("image")).isEqualTo("registry.example.com/ml/kafka-ollama-worker:1.4.2");
		List<Map<String, Object>> env = list(container.get("env")).stream().map(HelmChartTest::map).toList();
		assertThat(env).filteredOn(e -> "KAFKA_SASL_PASSWORD".equals(e.get("name")))
			.singleElement()
			.satisfies(e -> assertThat(path(e, "valueFrom", "secretKeyRef", "name")).isEqualTo("kow-kafka-user"));
		assertThat(env).filteredOn(e -> "KAFKA_KEYSTORE_PASSWORD".equals(e.get("name"))).hasSize(1);
		assertThat(env).filteredOn(e -> "SCHEMA_REGISTRY_USER_INFO".equals(e.get("name"))).hasSize(1);
		assertThat(env).filteredOn(e -> "KOW_OLLAMA_HOST_2_BEARER_TOKEN".equals(e.get("name")))
			.singleElement()
			.satisfies(e -> assertThat(path(e, "valueFrom", "secretKeyRef", "name")).isEqualTo("gpu-proxy"));
		assertThat(env).filteredOn(e -> e.get("name").toString().startsWith("OLLAMA_"))
			.extracting(e -> e.get("name") + "<-" + path(e, "valueFrom", "secretKeyRef", "name") + "/"
					+ path(e, "valueFrom", "secretKeyRef", "key"))
			.containsExactly("OLLAMA_TRUSTSTORE_PASSWORD<-gpu-proxy-tls/truststore-password",
					"OLLAMA_KEYSTORE_PASSWORD<-gpu-proxy-tls/keystore-password");
		assertThat(list(container.get("volumeMounts"))).extracting(m -> map(m).get("mountPath"))
			.contains("/etc/kow/kafka-tls", "/etc/kow/ollama-tls");
		assertThat(list(path(deployment, "spec", "template", "spec", "volumes")))
			.extracting(v -> path(map(v), "secret", "secretName"))
			.contains("kow-kafka-tls", "gpu-proxy-tls");

		List<Object> triggers = list(path(manifests.one("ScaledObject"), "spec", "triggers"));
		assertThat(map(triggers.get(0))).as("the backlog the workers measure, summed over the fleet, first")
			.containsEntry("type", "prometheus");
		assertThat(path(map(triggers.get(0)), "metadata", "query"))
			.isEqualTo("sum(kow_lane_backlog{namespace=\"ml\",service=\"kow-kafka-ollama-worker\"})");
		assertThat(path(map(triggers.get(0)), "metadata", "threshold")).isEqualTo("80");
		List<Object> lag = triggers.subList(1, triggers.size());
		assertThat(lag).as("the Kafka lag triggers stay as the fallback")
			.extracting(t -> path(map(t), "metadata", "topic"))
			.containsExactly("llm.jobs.high", "llm.jobs.normal", "llm.jobs.batch");
		assertThat(lag).allSatisfy(t -> {
			assertThat(path(map(t), "metadata", "consumerGroup")).isEqualTo("llm-workers");
			assertThat(path(map(t), "metadata", "sasl")).isEqualTo("scram_sha512");
			assertThat(path(map(t), "metadata", "offsetResetPolicy")).as("as the workers' auto.offset.reset")
				.isEqualTo("earliest");
		});
		assertThat(manifests.all("TriggerAuthentication")).hasSize(1);
		assertThat(manifests.all("HorizontalPodAutoscaler")).as("KEDA present: no HPA").isEmpty();
		assertThat(path(manifests.one("ServiceMonitor"), "spec", "endpoints")).asString()
			.contains("/actuator/prometheus");
		assertThat(path(manifests.one("Service"), "spec", "publishNotReadyAddresses"))
			.as("unready workers (Kafka or every host down) are still scraped")
			.isEqualTo(true);

		String applicationYaml = manifests.workerConfigYaml();
		assertThat(applicationYaml).contains("${KAFKA_SASL_PASSWORD}").doesNotContainIgnoringCase("password=\"s");
		Binder config = manifests.workerConfig();
		assertThat(config.bind("spring.kafka.security.protocol", String.class).get()).isEqualTo("SASL_SSL");
		assertThat(config.bind("spring.kafka.properties.sasl.mechanism", String.class).get())
			.isEqualTo("SCRAM-SHA-512");
		OllamaProperties ollama = config.bindOrCreate("worker.ollama", OllamaProperties.class);
		assertThat(ollama.hosts()).extracting(h -> h.id() + "/" + h.slots())
			.containsExactly("a100-0/4", "a100-1/4", "h100-0/8");
		assertThat(ollama.hosts().get(2).bearerToken()).as("only the variable's name is in the ConfigMap")
			.isEqualTo("${KOW_OLLAMA_HOST_2_BEARER_TOKEN}");
		assertThat(ollama.hosts().get(0).authorization()).isNull();
		assertThat(ollama.hosts()).extracting(HostProperties::sslBundle)
			.as("every https host uses the proxies' CA")
			.containsExactly("ollama", "ollama", "ollama");
		assertThat(config.bind("spring.ssl.bundle.jks.ollama.keystore.location", String.class).get())
			.isEqualTo("file:/etc/kow/ollama-tls/keystore.p12");
		assertThat(config.bind("spring.ssl.bundle.jks.ollama.truststore.password", String.class).get())
			.isEqualTo("${OLLAMA_TRUSTSTORE_PASSWORD}");
		assertThat(config.bindOrCreate("worker.intake", IntakeProperties.class).drainTimeout())
			.isEqualTo(Duration.ofSeconds(120));
		assertThat(config.bindOrCreate("worker.intake", IntakeProperties.class).groupId()).isEqualTo("llm-workers");
		assertThat(config.bindOrCreate("worker.scheduling", SchedulingProperties.class).highWeight()).isEqualTo(10);
		assertThat(config.bindOrCreate("worker.scheduling", SchedulingProperties.class).preemption().lanes())
			.containsExactlyInAnyOrder(Lane.HIGH, Lane.NORMAL);
		assertThat(config.bindOrCreate("worker.topics", TopicsProperties.class).deadLetter())
			.isEqualTo("llm.dead-letter");
		assertThat(config.bindOrCreate("worker.topics", TopicsProperties.class).fleetState())
			.isEqualTo("llm.fleet-state");
		assertThat(config.bindOrCreate("worker.ollama", OllamaProperties.class).slotSharing().mode())
			.isEqualTo(OllamaProperties.Sharing.Mode.STATIC);
		assertThat(config.bindOrCreate("worker.timeouts", TimeoutProperties.class).stallFloor())
			.as("extraConfig is merged")
			.isEqualTo(Duration.ofMillis(500));
	}

	@Test
	void invalidValuesAreRefusedByTheSchemaOrByName() {
		assertThatThrownBy(() -> new Helm(CHART).template().withName("kow").set("ollama.hosts[0].slots", 0).call())
			.hasMessageContaining("slots");
		assertThatThrownBy(() -> template().set("kafka.securityProtocol", "SASL_SSL").call())
			.hasMessageContaining("kafka.sasl.existingSecret is required");
		assertThatThrownBy(() -> template().set("kafka.securityProtocol", "SASL").call())
			.hasMessageContaining("securityProtocol");
		assertThatThrownBy(() -> template().set("ollama.slotSharing.mode", "group").call())
			.hasMessageContaining("slotSharing");
		assertThatThrownBy(() -> template().set("schemaRegistry.url", "mock://kow").call())
			.as("every pod would get a private registry")
			.hasMessageContaining("'/schemaRegistry/url'");
		assertThatThrownBy(
				() -> template().set("autoscaling.hpa.enabled", true).set("autoscaling.minReplicas", 0).call())
			.as("the HPA API refuses minReplicas 0")
			.hasMessageContaining("minReplicas");
		assertThat(template().set("autoscaling.keda.enabled", true).set("autoscaling.minReplicas", 0).call())
			.as("KEDA scales to zero")
			.contains("minReplicaCount: 0");
		assertThatThrownBy(() -> template().set("kafka.securityProtocol", "SSL").set("kafka.tls.mutual", true).call())
			.hasMessageContaining("kafka.tls.mutual needs kafka.tls.existingSecret");
	}

	private static com.marcnuri.helm.TemplateCommand template() {
		return new Helm(CHART).template().withName("kow").set("image.repository", IMAGE);
	}

	private static Manifests render(boolean production) {
		return production ? render(PRODUCTION) : render((Path) null);
	}

	private static Manifests render(@Nullable Path values) {
		var template = new Helm(CHART).template().withName("kow").withNamespace("ml").set("image.repository", IMAGE);
		if (values != null) {
			template = template.withValuesFile(values);
		}
		List<Map<String, Object>> documents = new ArrayList<>();
		for (Object document : new Yaml().loadAll(template.call())) {
			if (document != null) {
				documents.add(map(document));
			}
		}
		return new Manifests(documents);
	}

	private record Manifests(List<Map<String, Object>> documents) {

		String workerConfigYaml() {
			List<Object> yaml = all("ConfigMap").stream()
				.map(c -> path(c, "data", "application.yaml"))
				.filter(Objects::nonNull)
				.toList();
			assertThat(yaml).as("one ConfigMap with application.yaml").hasSize(1);
			return (String) yaml.get(0);
		}

		List<Map<String, Object>> all(String kind) {
			return this.documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
		}

		Map<String, Object> one(String kind) {
			assertThat(all(kind)).as(kind).hasSize(1);
			return all(kind).get(0);
		}

		/** The worker ConfigMap's application.yaml as Spring Boot reads it. */
		Binder workerConfig() {
			String yaml = workerConfigYaml();
			StandardEnvironment environment = new StandardEnvironment();
			try {
				new YamlPropertySourceLoader()
					.load("chart", new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)))
					.forEach(source -> environment.getPropertySources().addFirst(source));
			}
			catch (java.io.IOException ex) {
				throw new IllegalStateException(ex);
			}
			return Binder.get(environment);
		}
	}

	private static Object path(Object root, String... keys) {
		Object current = root;
		for (String key : keys) {
			if (current == null) {
				return null;
			}
			current = map(current).get(key);
		}
		return current;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object value) {
		return (Map<String, Object>) Objects.requireNonNull(value);
	}

	@SuppressWarnings("unchecked")
	private static List<Object> list(Object value) {
		return (List<Object>) Objects.requireNonNull(value);
	}

}
