package dev.kow.serde;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;

/**
 * An in-memory registry for single-JVM runs, selected by
 * {@code schema.registry.url=mock://<scope>} as with Confluent's serde. Every serializer
 * and deserializer configured with the same scope in one JVM shares one registry; ids are
 * registry-wide and the same schema text gets the same id under any subject, as on a real
 * registry. Thread-safe.
 */
public final class MockSchemaRegistryClient implements SchemaRegistryClient {

	/** The URL scheme that selects this client. */
	public static final String SCHEME = "mock://";

	/**
	 * One registry per scope name: the {@code mock://} contract requires JVM-wide
	 * sharing.
	 */
	private static final Map<String, MockSchemaRegistryClient> SCOPES = new ConcurrentHashMap<>();

	private final Map<Integer, Schema> schemasById = new HashMap<>();

	private final Map<String, Integer> idsBySchemaText = new HashMap<>();

	private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();

	/**
	 * The registry of a scope, created on first use.
	 * @param scope the part after {@code mock://}
	 * @return the shared registry of that scope
	 */
	public static MockSchemaRegistryClient forScope(String scope) {
		return SCOPES.computeIfAbsent(scope, name -> new MockSchemaRegistryClient());
	}

	@Override
	public synchronized int register(String subject, Schema schema) {
		int id = this.idsBySchemaText.computeIfAbsent(schema.toString(), text -> {
			int next = this.schemasById.size() + 1;
			this.schemasById.put(next, schema);
			return next;
		});
		List<Integer> versions = this.versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
		if (!versions.contains(id)) {
			versions.add(id);
		}
		return id;
	}

	@Override
	public synchronized int idOf(String subject, Schema schema) {
		Integer id = this.idsBySchemaText.get(schema.toString());
		if (id == null || !this.versionsBySubject.getOrDefault(subject, List.of()).contains(id)) {
			throw new SchemaRegistryException("schema not found under subject '" + subject + "'", 404, 40403, null);
		}
		return id;
	}

	@Override
	public synchronized Schema byId(int id) {
		Schema schema = this.schemasById.get(id);
		if (schema == null) {
			throw new SchemaRegistryException("schema id " + id + " not found", 404, 40403, null);
		}
		return schema;
	}

	@Override
	public synchronized RegisteredSchema latest(String subject) {
		List<Integer> versions = this.versionsBySubject.get(subject);
		if (versions == null || versions.isEmpty()) {
			throw new SchemaRegistryException("subject '" + subject + "' not found", 404, 40401, null);
		}
		int id = versions.get(versions.size() - 1);
		return new RegisteredSchema(subject, id, versions.size(), this.schemasById.get(id));
	}

}
