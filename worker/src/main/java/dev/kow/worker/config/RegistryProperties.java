package dev.kow.worker.config;

import java.util.HashMap;
import java.util.Map;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The schema registry ({@code worker.schema-registry.*}). The keys under
 * {@code properties} are handed to the serde unchanged, with Confluent's names
 * ({@code basic.auth.credentials.source}, {@code basic.auth.user.info},
 * {@code bearer.auth.token}, ...), so secrets stay out of this record's
 * {@code toString()}.
 *
 * @param url Confluent-API base URL(s), comma-separated, or {@code mock://scope} for one
 * JVM; default {@value #DEFAULT_URL}
 * @param autoRegister whether the result schema is registered on first use; default true
 * @param properties further Confluent serde settings
 */
@Validated
@ConfigurationProperties("worker.schema-registry")
public record RegistryProperties(@DefaultValue(DEFAULT_URL) @NotBlank String url,
		@DefaultValue("true") boolean autoRegister, @DefaultValue Map<String, String> properties) {

	/** Default registry URL. */
	public static final String DEFAULT_URL = "http://127.0.0.1:8081";

	/**
	 * @return the serde configuration with Confluent's keys
	 */
	public Map<String, Object> serdeConfig() {
		Map<String, Object> config = new HashMap<>(this.properties == null ? Map.of() : this.properties);
		config.put("schema.registry.url", this.url);
		config.put("auto.register.schemas", Boolean.toString(this.autoRegister));
		config.put("specific.avro.reader", "true");
		return config;
	}

	@Override
	public String toString() {
		return "RegistryProperties[url=" + this.url + ", autoRegister=" + this.autoRegister + ", properties="
				+ (this.properties == null ? "{}" : this.properties.keySet()) + "]";
	}
}
