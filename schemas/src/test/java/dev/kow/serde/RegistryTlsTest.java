package dev.kow.serde;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;

import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.kow.avro.InferenceRequest;
import dev.kow.testkit.Certificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A registry behind TLS with a private CA, read with Confluent's
 * {@code schema.registry.ssl.truststore.*} keys. The registry is a stand-in that answers
 * Confluent's {@code GET /schemas/ids/{id}} over HTTPS (the edge under test is the
 * client's TLS), with a certificate for 127.0.0.1 from a throw-away CA.
 */
class RegistryTlsTest {

	@TempDir
	Path dir;

	private HttpsServer server;

	private Certificates certificates;

	@BeforeEach
	void start() throws Exception {
		this.certificates = new Certificates(this.dir);
		Path registryKeys = this.certificates.keyStore("registry");
		SSLContext tls = SSLContext.getInstance("TLS");
		tls.init(Certificates.keyManagers(registryKeys).getKeyManagers(), null, null);
		this.server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.setHttpsConfigurator(new HttpsConfigurator(tls));
		byte[] body = JsonMapper.builder()
			.build()
			.writeValueAsBytes(Map.of("schema", InferenceRequest.getClassSchema().toString()));
		this.server.createContext("/schemas/ids/7", exchange -> {
			exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
	}

	private String url() {
		return "https://127.0.0.1:" + this.server.getAddress().getPort();
	}

	@Test
	void theRegistrysPrivateCaIsTrustedThroughConfluentsTrustStoreKeys() throws IOException {
		Path trust = this.certificates.trustStore("trust", this.dir.resolve("registry.p12"));
		SchemaRegistryClient client = AvroSerdeConfig.from(Map.of("schema.registry.url", url(),
				"schema.registry.ssl.truststore.location", trust.toString(), "schema.registry.ssl.truststore.password",
				Certificates.PASSWORD, "schema.registry.ssl.truststore.type", "PKCS12"), false)
			.newClient();

		assertThat(client.byId(7)).isEqualTo(InferenceRequest.getClassSchema());
	}

	@Test
	void withoutTheTrustStoreTheRegistryIsRefused() {
		SchemaRegistryClient client = AvroSerdeConfig.from(Map.of("schema.registry.url", url()), false).newClient();

		assertThatThrownBy(() -> client.byId(7)).isInstanceOf(SchemaRegistryException.class)
			.hasStackTraceContaining("SSLHandshakeException");
	}

	@Test
	void anUnreadableTrustStoreIsAConfigurationErrorNamingTheKey() {
		assertThatThrownBy(() -> AvroSerdeConfig.from(Map.of("schema.registry.url", url(),
				"schema.registry.ssl.truststore.location", this.dir.resolve("missing.p12").toString()), false))
			.hasMessageContaining("schema.registry.ssl.truststore.location");
	}

}
