package dev.kow.serde;

import org.apache.avro.Schema;

/**
 * The subset of the Confluent Schema Registry API that the serde needs. Implementations
 * cache: ids are immutable, so id lookups are cached forever.
 *
 * <p>
 * Every method throws {@link SchemaRegistryException} when the registry refuses or cannot
 * be reached.
 */
public interface SchemaRegistryClient {

	/**
	 * Registers a schema under a subject, or returns the id it already has ({@code POST
	 * /subjects/{subject}/versions}).
	 * @param subject subject name
	 * @param schema Avro schema
	 * @return the registry-wide schema id
	 */
	int register(String subject, Schema schema);

	/**
	 * Finds the id of a schema already registered under a subject ({@code POST
	 * /subjects/{subject}}).
	 * @param subject subject name
	 * @param schema Avro schema
	 * @return the schema id
	 */
	int idOf(String subject, Schema schema);

	/**
	 * Looks up a schema by id ({@code GET /schemas/ids/{id}}).
	 * @param id schema id
	 * @return the schema
	 */
	Schema byId(int id);

	/**
	 * The latest version under a subject ({@code GET
	 * /subjects/{subject}/versions/latest}).
	 * @param subject subject name
	 * @return the latest registered schema
	 */
	RegisteredSchema latest(String subject);

}
