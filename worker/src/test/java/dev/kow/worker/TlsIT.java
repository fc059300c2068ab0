package dev.kow.worker;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.TrustManagerFactory;

import dev.kow.avro.InferenceResult;
import dev.kow.avro.Status;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.testkit.Certificates;
import dev.kow.testkit.KafkaBroker;
import dev.kow.testkit.SharedFixtures;
import dev.kow.worker.ollama.HostAccess;
import dev.kow.worker.ollama.OllamaCallException;
import dev.kow.worker.ollama.OllamaClient;
import io.netty.handler.ssl.SslContextBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS on both of the worker's edges, with certificates of our own: a standalone broker
 * process whose only client listener is SSL with {@code ssl.client.auth=required} (mutual
 * TLS), configured in the worker through Spring Boot's {@code spring.kafka.ssl.*} exactly
 * as the Helm chart renders it; and an Ollama host behind a TLS-terminating proxy (the
 * simulator serving HTTPS), trusted through a Spring Boot SSL bundle named by
 * {@code worker.ollama.hosts[N].ssl-bundle}. Hostname verification stays on at both (the
 * certificates name 127.0.0.1).
 */
@ExtendWith(SharedFixtures.class)
class TlsIT {

	private static final String PASSWORD = Certificates.PASSWORD;

	@TempDir
	static Path dir;

	private static Path workerKeys;

	private static Path workerTrust;

	private static Path ollamaKeys;

	private static KafkaBroker broker;

	private OllamaSimulator host;

	private Pipeline pipeline;

	@BeforeAll
	static void startBroker() {
		Certificates certificates = new Certificates(dir);
		Path brokerKeys = certificates.keyStore("broker");
		workerKeys = certificates.keyStore("worker");
		ollamaKeys = certificates.keyStore("ollama");
		Path brokerTrust = certificates.trustStore("broker-trust", brokerKeys, workerKeys);
		workerTrust = certificates.trustStore("worker-trust", brokerKeys, ollamaKeys);
		Map<String, String> server = Map.of("ssl.keystore.location", brokerKeys.toString(), "ssl.keystore.password",
				PASSWORD, "ssl.keystore.type", "PKCS12", "ssl.key.password", PASSWORD, "ssl.truststore.location",
				brokerTrust.toString(), "ssl.truststore.password", PASSWORD, "ssl.truststore.type", "PKCS12",
				"ssl.client.auth", "required");
		Map<String, Object> client = new HashMap<>(trustOnly());
		client.put("ssl.keystore.location", workerKeys.toString());
		client.put("ssl.keystore.password", PASSWORD);
		client.put("ssl.keystore.type", "PKCS12");
		client.put("ssl.key.password", PASSWORD);
		broker = KafkaBroker.startProcess("SSL", server, client);
	}

	/** A client that trusts the broker but has no certificate of its own. */
	private static Map<String, Object> trustOnly() {
		return Map.of("security.protocol", "SSL", "ssl.truststore.location", workerTrust.toString(),
				"ssl.truststore.password", PASSWORD, "ssl.truststore.type", "PKCS12");
	}

	@AfterAll
	static void stopBroker() throws Exception {
		broker.close();
	}

	@BeforeEach
	void start(ApicurioRegistry registry) {
		this.host = OllamaSimulator.startTls(SimConfig.defaults().withTimeScale(0.05).withNumParallel(2),
				Certificates.keyManagers(ollamaKeys));
		this.pipeline = new Pipeline(broker, registry.confluentUrl(), 2);
	}

	@AfterEach
	void stop() {
		this.pipeline.close();
		this.host.close();
	}

	@Test
	void theWorkerUsesMutualTlsToKafkaAndItsOwnTrustForAnHttpsOllama() {
		assertThat(this.host.baseUrl()).startsWith("https://");
		for (int i = 0; i < 6; i++) {
			this.pipeline.send(this.pipeline.normal, i % 2, Pipeline.generate("tls" + i, "prompt " + i).build());
		}
		this.pipeline.startWorkerWith(2, this.host,
				// Kafka: the properties the Helm chart renders for kafka.tls.mutual
				"spring.kafka.security.protocol=SSL", "spring.kafka.ssl.trust-store-location=file:" + workerTrust,
				"spring.kafka.ssl.trust-store-password=" + PASSWORD, "spring.kafka.ssl.trust-store-type=PKCS12",
				"spring.kafka.ssl.key-store-location=file:" + workerKeys,
				"spring.kafka.ssl.key-store-password=" + PASSWORD, "spring.kafka.ssl.key-store-type=PKCS12",
				"spring.kafka.ssl.key-password=" + PASSWORD,
				// Ollama: a private CA through an SSL bundle
				"spring.ssl.bundle.jks.ollama.truststore.location=file:" + workerTrust,
				"spring.ssl.bundle.jks.ollama.truststore.password=" + PASSWORD,
				"spring.ssl.bundle.jks.ollama.truststore.type=PKCS12", "worker.ollama.hosts[0].ssl-bundle=ollama");
		Map<String, List<InferenceResult>> results = this.pipeline.awaitResults(6, Duration.ofSeconds(60));
		assertThat(results).hasSize(6);
		assertThat(results.values().stream().flatMap(List::stream).map(InferenceResult::getStatus))
			.containsOnly(Status.SUCCEEDED);
		assertThat(this.host.requestLog().entries()).as("answers served over TLS").hasSizeGreaterThanOrEqualTo(6);
	}

	@Test
	void theBrokerRefusesAClientWithoutACertificate() {
		Map<String, Object> config = new HashMap<>(trustOnly());
		config.put("bootstrap.servers", broker.bootstrapServers());
		config.put("request.timeout.ms", 10000);
		config.put("default.api.timeout.ms", 15000);
		try (Admin admin = Admin.create(config)) {
			assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
				.isInstanceOf(ExecutionException.class)
				.hasCauseInstanceOf(SslAuthenticationException.class);
		}
	}

	@Test
	void anHttpsHostIsTrustedOnlyThroughItsBundle() throws Exception {
		URI url = URI.create(this.host.baseUrl());
		try (OllamaClient defaults = new OllamaClient(Schedulers.parallel(), System::nanoTime, Map.of())) {
			assertThatThrownBy(() -> defaults.ping("sim", url, Duration.ofSeconds(10)).block())
				.as("the JVM's default trust store does not know our CA")
				.isInstanceOf(OllamaCallException.class);
		}
		TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		KeyStore store = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(workerTrust)) {
			store.load(in, PASSWORD.toCharArray());
		}
		trust.init(store);
		HostAccess access = new HostAccess(null, SslContextBuilder.forClient().trustManager(trust).build());
		try (OllamaClient trusting = new OllamaClient(Schedulers.parallel(), System::nanoTime, Map.of("sim", access))) {
			trusting.ping("sim", url, Duration.ofSeconds(10)).block();
		}
	}

}
