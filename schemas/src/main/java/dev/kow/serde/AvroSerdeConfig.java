package dev.kow.serde;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;

import org.apache.kafka.common.config.ConfigException;

/**
 * The serde's settings, read from Kafka client properties with <b>Confluent's key
 * names</b>.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr>
 * <th>key</th>
 * <th>default</th>
 * <th>meaning</th>
 * </tr>
 * <tr>
 * <td>{@code schema.registry.url}</td>
 * <td>(required)</td>
 * <td>comma-separated base URLs, or {@code mock://scope}</td>
 * </tr>
 * <tr>
 * <td>{@code auto.register.schemas}</td>
 * <td>true</td>
 * <td>serializer registers the record's schema</td>
 * </tr>
 * <tr>
 * <td>{@code use.latest.version}</td>
 * <td>false</td>
 * <td>serializer writes with the subject's latest schema (needs
 * auto.register.schemas=false)</td>
 * </tr>
 * <tr>
 * <td>{@code key.subject.name.strategy} / {@code value.subject.name.strategy}</td>
 * <td>TopicNameStrategy</td>
 * <td>TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy (simple or
 * Confluent class name)</td>
 * </tr>
 * <tr>
 * <td>{@code specific.avro.reader}</td>
 * <td>false</td>
 * <td>deserializer returns generated classes instead of GenericRecord</td>
 * </tr>
 * <tr>
 * <td>{@code basic.auth.credentials.source}</td>
 * <td>URL</td>
 * <td>URL (user:pass@ in the URL) or USER_INFO</td>
 * </tr>
 * <tr>
 * <td>{@code basic.auth.user.info}</td>
 * <td>none</td>
 * <td>{@code user:password} for USER_INFO</td>
 * </tr>
 * <tr>
 * <td>{@code bearer.auth.credentials.source}</td>
 * <td>none</td>
 * <td>STATIC_TOKEN to send {@code bearer.auth.token}</td>
 * </tr>
 * <tr>
 * <td>{@code schema.registry.ssl.truststore.location}, {@code .password},
 * {@code .type}</td>
 * <td>none</td>
 * <td>the registry's CA for an https URL; {@code schema.registry.ssl.keystore.*} and
 * {@code schema.registry.ssl.key.password} add a client certificate</td>
 * </tr>
 * <tr>
 * <td>{@code schema.registry.request.timeout.ms}</td>
 * <td>10000</td>
 * <td>timeout of one registry call, ms (our own key)</td>
 * </tr>
 * </table>
 *
 * @param urls registry base URLs (credentials removed)
 * @param mockScope the scope when the URL is {@code mock://scope}, else null
 * @param autoRegister {@code auto.register.schemas}
 * @param useLatestVersion {@code use.latest.version}
 * @param subjectStrategy the subject name strategy for this side (key or value)
 * @param specificReader {@code specific.avro.reader}
 * @param authorization the Authorization header value, or null; never printed by
 * {@link #toString()}
 * @param requestTimeout timeout of one registry call
 * @param sslContext TLS to the registry from {@code schema.registry.ssl.*}, or null for
 * the JVM's defaults
 */
public record AvroSerdeConfig(List<URI> urls, String mockScope, boolean autoRegister, boolean useLatestVersion,
		SubjectNameStrategy subjectStrategy, boolean specificReader, String authorization, Duration requestTimeout,
		SSLContext sslContext) {

	/** {@value}: comma-separated registry URLs or {@code mock://scope}. */
	public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

	/** {@value}, default true. */
	public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";

	/** {@value}, default false. */
	public static final String USE_LATEST_VERSION = "use.latest.version";

	/** {@value}, default TopicNameStrategy. */
	public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";

	/** {@value}, default TopicNameStrategy. */
	public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";

	/** {@value}, default false. */
	public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";

	/** {@value}: URL or USER_INFO, default URL. */
	public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";

	/** {@value}: {@code user:password}. */
	public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";

	/** {@value}: STATIC_TOKEN. */
	public static final String BEARER_AUTH_CREDENTIALS_SOURCE = "bearer.auth.credentials.source";

	/** {@value}: the token for STATIC_TOKEN. */
	public static final String BEARER_AUTH_TOKEN = "bearer.auth.token";

	/** {@value}, ms, default 10000. */
	public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";

	/**
	 * Reads the settings from Kafka client configuration.
	 * @param configs the map given to {@code configure}
	 * @param isKey true for the key serde
	 * @return the settings
	 * @throws ConfigException naming the key when a value is missing or invalid
	 */
	public static AvroSerdeConfig from(Map<String, ?> configs, boolean isKey) {
		Object rawUrl = configs.get(SCHEMA_REGISTRY_URL);
		if (rawUrl == null || rawUrl.toString().isBlank()) {
			throw new ConfigException(SCHEMA_REGISTRY_URL, rawUrl, "is required");
		}
		String urlText = rawUrl instanceof List<?> list ? String.join(",", list.stream().map(String::valueOf).toList())
				: rawUrl.toString();
		String mockScope = null;
		List<URI> urls = List.of();
		String userInfoFromUrl = null;
		if (urlText.startsWith(MockSchemaRegistryClient.SCHEME)) {
			mockScope = urlText.substring(MockSchemaRegistryClient.SCHEME.length());
		}
		else {
			List<URI> parsed = Arrays.stream(urlText.split(","))
				.map(String::trim)
				.filter(s -> !s.isEmpty())
				.map(s -> parseUrl(s))
				.toList();
			userInfoFromUrl = parsed.stream().map(URI::getUserInfo).filter(u -> u != null).findFirst().orElse(null);
			urls = parsed.stream().map(AvroSerdeConfig::stripUserInfo).toList();
		}
		String strategyKey = isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY;
		return new AvroSerdeConfig(urls, mockScope, bool(configs, AUTO_REGISTER_SCHEMAS, true),
				bool(configs, USE_LATEST_VERSION, false),
				SubjectNameStrategy.parse(strategyKey, configs.get(strategyKey), isKey),
				bool(configs, SPECIFIC_AVRO_READER, false), authorization(configs, userInfoFromUrl),
				Duration.ofMillis(Long.parseLong(String
					.valueOf(configs.get(REQUEST_TIMEOUT_MS) == null ? "10000" : configs.get(REQUEST_TIMEOUT_MS)))),
				RegistryTls.from(configs));
	}

	/**
	 * @return a client for these settings: the shared mock scope or a REST client
	 */
	public SchemaRegistryClient newClient() {
		return this.mockScope != null ? MockSchemaRegistryClient.forScope(this.mockScope)
				: new RestSchemaRegistryClient(this.urls, this.authorization, this.requestTimeout, this.sslContext);
	}

	@Override
	public String toString() {
		return "AvroSerdeConfig[urls=" + this.urls + ", mockScope=" + this.mockScope + ", autoRegister="
				+ this.autoRegister + ", useLatestVersion=" + this.useLatestVersion + ", subjectStrategy="
				+ this.subjectStrategy + ", specificReader=" + this.specificReader + ", authorization="
				+ (this.authorization == null ? "none" : "[hidden]") + "]";
	}

	private static String authorization(Map<String, ?> configs, String userInfoFromUrl) {
		Object bearerSource = configs.get(BEARER_AUTH_CREDENTIALS_SOURCE);
		if (bearerSource != null && !bearerSource.toString().isBlank()) {
			if (!"STATIC_TOKEN".equalsIgnoreCase(bearerSource.toString())) {
				throw new ConfigException(BEARER_AUTH_CREDENTIALS_SOURCE, bearerSource,
						"only STATIC_TOKEN is supported");
			}
			Object token = configs.get(BEARER_AUTH_TOKEN);
			if (token == null || token.toString().isBlank()) {
				throw new ConfigException(BEARER_AUTH_TOKEN, "[hidden]", "is required with STATIC_TOKEN");
			}
			return "Bearer " + token;
		}
		Object rawSource = configs.get(BASIC_AUTH_CREDENTIALS_SOURCE);
		String source = rawSource == null ? "URL" : rawSource.toString();
		String userInfo = switch (source.toUpperCase()) {
			case "URL" -> userInfoFromUrl;
			case "USER_INFO" -> {
				Object value = configs.get(BASIC_AUTH_USER_INFO);
				if (value == null || !value.toString().contains(":")) {
					throw new ConfigException(BASIC_AUTH_USER_INFO, "[hidden]", "must be user:password with USER_INFO");
				}
				yield value.toString();
			}
			default -> throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE, source, "must be URL or USER_INFO");
		};
		return userInfo == null ? null
				: "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
	}

	private static URI parseUrl(String text) {
		try {
			URI uri = URI.create(text);
			if (uri.getScheme() == null || uri.getHost() == null) {
				throw new IllegalArgumentException("no scheme or host");
			}
			return uri;
		}
		catch (IllegalArgumentException ex) {
			throw new ConfigException(SCHEMA_REGISTRY_URL, text, "is not an http(s) URL: " + ex.getMessage());
		}
	}

	private static URI stripUserInfo(URI uri) {
		if (uri.getUserInfo() == null) {
			return uri;
		}
		return URI.create(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
				+ (uri.getRawPath() == null ? "" : uri.getRawPath()));
	}

	private static boolean bool(Map<String, ?> configs, String key, boolean defaultValue) {
		Object value = configs.get(key);
		if (value == null) {
			return defaultValue;
		}
		String text = value.toString().trim();
		if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
			throw new ConfigException(key, value, "must be true or false");
		}
		return Boolean.parseBoolean(text);
	}
}
