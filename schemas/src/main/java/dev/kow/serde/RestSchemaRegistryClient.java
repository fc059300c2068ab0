package dev.kow.serde;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLContext;

import org.apache.avro.Schema;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Confluent Schema Registry REST client
 * ({@code application/vnd.schemaregistry.v1+json}). Works with Confluent's server and
 * with Apicurio's Confluent API at {@code /apis/ccompat/v7}.
 *
 * <p>
 * Several base URLs may be given; each call tries them in order until one answers.
 * Thread-safe. Id lookups are cached forever; {@code (subject, schema) -> id} results are
 * cached too.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

	private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

	private static final ObjectMapper JSON = JsonMapper.builder().build();

	private final List<URI> baseUris;

	private final String authorization;

	private final HttpClient http;

	private final Duration requestTimeout;

	private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

	private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();

	/**
	 * @param baseUris registry base URLs, for example {@code http://127.0.0.1:8081} or
	 * {@code http://host/apis/ccompat/v7}; a trailing slash is ignored
	 * @param authorization the full {@code Authorization} header value, or null for none
	 * @param requestTimeout timeout of one HTTP call
	 */
	public RestSchemaRegistryClient(List<URI> baseUris, String authorization, Duration requestTimeout) {
		this(baseUris, authorization, requestTimeout, null);
	}

	/**
	 * @param baseUris registry base URLs; a trailing slash is ignored
	 * @param authorization the full {@code Authorization} header value, or null for none
	 * @param requestTimeout timeout of one HTTP call
	 * @param sslContext TLS for https URLs (a private CA, a client certificate), or null
	 * for the JVM's defaults
	 */
	public RestSchemaRegistryClient(List<URI> baseUris, String authorization, Duration requestTimeout,
			SSLContext sslContext) {
		if (baseUris.isEmpty()) {
			throw new IllegalArgumentException("schema.registry.url must name at least one URL");
		}
		this.baseUris = baseUris.stream().map(RestSchemaRegistryClient::withoutTrailingSlash).toList();
		this.authorization = authorization;
		this.requestTimeout = requestTimeout;
		HttpClient.Builder http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(requestTimeout);
		if (sslContext != null) {
			http.sslContext(sslContext);
		}
		this.http = http.build();
	}

	@Override
	public int register(String subject, Schema schema) {
		String key = subject + '\u0000' + schema;
		Integer cached = this.idsBySubjectAndSchema.get(key);
		if (cached != null) {
			return cached;
		}
		JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema),
				"register a schema under subject '" + subject + "'");
		int id = answer.path("id").asInt();
		this.idsBySubjectAndSchema.put(key, id);
		this.schemasById.putIfAbsent(id, schema);
		return id;
	}

	@Override
	public int idOf(String subject, Schema schema) {
		String key = subject + '\u0000' + schema;
		Integer cached = this.idsBySubjectAndSchema.get(key);
		if (cached != null) {
			return cached;
		}
		JsonNode answer = call("POST", "/subjects/" + encode(subject), schemaBody(schema),
				"look up a schema under subject '" + subject + "'");
		int id = answer.path("id").asInt();
		this.idsBySubjectAndSchema.put(key, id);
		return id;
	}

	@Override
	public Schema byId(int id) {
		Schema cached = this.schemasById.get(id);
		if (cached != null) {
			return cached;
		}
		JsonNode answer = call("GET", "/schemas/ids/" + id, null, "fetch schema id " + id);
		Schema schema = new Schema.Parser().parse(answer.path("schema").asString());
		this.schemasById.putIfAbsent(id, schema);
		return schema;
	}

	@Override
	public RegisteredSchema latest(String subject) {
		JsonNode answer = call("GET", "/subjects/" + encode(subject) + "/versions/latest", null,
				"fetch the latest version of subject '" + subject + "'");
		Schema schema = new Schema.Parser().parse(answer.path("schema").asString());
		int id = answer.path("id").asInt();
		this.schemasById.putIfAbsent(id, schema);
		return new RegisteredSchema(subject, id, answer.path("version").asInt(), schema);
	}

	private JsonNode call(String method, String path, String body, String what) {
		SchemaRegistryException last = null;
		for (URI base : this.baseUris) {
			HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
				.timeout(this.requestTimeout)
				.header("Accept", CONTENT_TYPE + ", application/json");
			if (this.authorization != null) {
				request.header("Authorization", this.authorization);
			}
			request.method(method,
					body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
			if (body != null) {
				request.header("Content-Type", CONTENT_TYPE);
			}
			try {
				HttpResponse<String> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
				if (response.statusCode() / 100 == 2) {
					return JSON.readTree(response.body());
				}
				SchemaRegistryException refused = refusal(what, response);
				if (!refused.isUnavailable()) {
					throw refused;
				}
				last = refused;
			}
			catch (IOException ex) {
				last = new SchemaRegistryException("could not " + what + " at " + base + ": " + ex, 0, 0, ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new SchemaRegistryException("interrupted while trying to " + what, 0, 0, ex);
			}
		}
		throw last;
	}

	private static SchemaRegistryException refusal(String what, HttpResponse<String> response) {
		int errorCode = 0;
		String message = response.body();
		try {
			JsonNode error = JSON.readTree(response.body());
			errorCode = error.path("error_code").asInt(0);
			message = error.path("message").asString(message);
		}
		catch (RuntimeException notJson) {
			// keep the raw body as the message
		}
		return new SchemaRegistryException(
				"registry refused to " + what + ": HTTP " + response.statusCode()
						+ (errorCode != 0 ? " error_code " + errorCode : "") + ": " + message,
				response.statusCode(), errorCode, null);
	}

	private static String schemaBody(Schema schema) {
		return JSON.writeValueAsString(Map.of("schema", schema.toString()));
	}

	private static String encode(String subject) {
		return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
	}

	private static URI withoutTrailingSlash(URI uri) {
		String text = uri.toString();
		return text.endsWith("/") ? URI.create(text.substring(0, text.length() - 1)) : uri;
	}

}
