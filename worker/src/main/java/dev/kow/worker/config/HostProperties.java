package dev.kow.worker.config;

import java.net.URI;
import java.util.List;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.jspecify.annotations.Nullable;

/**
 * One Ollama host ({@code worker.ollama.hosts[N].*}).
 *
 * @param id a short unique name used in metrics, logs and results; defaults to host:port
 * @param url base URL, for example {@code http://gpu-1:11434}
 * @param slots requests this host runs at once; set it to the host's
 * {@code OLLAMA_NUM_PARALLEL} so that no queue builds up inside Ollama (where priority
 * would be lost); with slot sharing (the default) they are the whole fleet's, split among
 * the consumer group's workers; default 1, 1 to 64
 * @param models models this host serves; empty (the default) means any
 * @param bearerToken sent as {@code Authorization: Bearer <token>} to an Ollama behind a
 * reverse proxy that requires it; never logged; default none
 * @param basicAuth {@code user:password} sent as HTTP basic authentication instead; never
 * logged; default none
 * @param sslBundle for an {@code https} URL, the name of a Spring Boot SSL bundle
 * ({@code spring.ssl.bundle.jks.<name>.*} or {@code spring.ssl.bundle.pem.<name>.*})
 * whose trust material verifies the host's certificate (a private CA) and whose key
 * material, when present, is the worker's client certificate (mutual TLS to the proxy);
 * default none: the JVM's default trust store
 */
public record HostProperties(String id, @NotNull URI url, @DefaultValue("1") @Min(1) @Max(64) int slots,
		@DefaultValue List<@NotBlank String> models, @Nullable String bearerToken, @Nullable String basicAuth,
		@Nullable String sslBundle) {

	/** Fills the id from the URL when absent. */
	public HostProperties {
		if (url != null && (id == null || id.isBlank())) {
			id = url.getHost() + ":" + (url.getPort() < 0 ? 11434 : url.getPort());
		}
		if (url != null && !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
			throw new IllegalArgumentException("worker.ollama.hosts[].url must be http or https, but was " + url);
		}
		if (url != null && sslBundle != null && !sslBundle.isBlank() && !"https".equals(url.getScheme())) {
			throw new IllegalArgumentException(
					"worker.ollama.hosts[].ssl-bundle needs an https url, but host " + id + " has " + url);
		}
		models = models == null ? List.of() : List.copyOf(models);
		if (bearerToken != null && !bearerToken.isBlank() && basicAuth != null && !basicAuth.isBlank()) {
			throw new IllegalArgumentException(
					"worker.ollama.hosts[].bearer-token and .basic-auth are exclusive, but host " + id + " has both");
		}
		if (basicAuth != null && !basicAuth.isBlank() && !basicAuth.contains(":")) {
			throw new IllegalArgumentException(
					"worker.ollama.hosts[].basic-auth must be user:password, but host " + id + " has no ':' in it");
		}
	}

	/**
	 * @return the {@code Authorization} header value for this host, or null when it needs
	 * none
	 */
	public @Nullable String authorization() {
		if (this.bearerToken != null && !this.bearerToken.isBlank()) {
			return "Bearer " + this.bearerToken;
		}
		if (this.basicAuth != null && !this.basicAuth.isBlank()) {
			return "Basic " + java.util.Base64.getEncoder()
				.encodeToString(this.basicAuth.getBytes(java.nio.charset.StandardCharsets.UTF_8));
		}
		return null;
	}

	/** Without the credentials, which must never reach a log. */
	@Override
	public String toString() {
		return "HostProperties[id=" + this.id + ", url=" + this.url + ", slots=" + this.slots + ", models="
				+ this.models + ", authorization=" + (authorization() == null ? "none" : "***") + ", sslBundle="
				+ this.sslBundle + "]";
	}
}
