namespace Vigil.Storage.State;

/// <summary>
/// One numbered step of the state schema. Versions start at 1 and have no gaps; a migration, once released, is never
/// edited or renumbered: change the schema by appending a new one to <see cref="StateMigrations.All"/>.
/// </summary>
/// <param name="Version">The step's number, 1 for the first.</param>
/// <param name="Name">A short snake_case name, recorded in <c>schema_migrations</c> and checked on every open.</param>
/// <param name="Sql">The SQL script; it runs inside the migration transaction, so it must not manage transactions itself.</param>
internal sealed record StateMigration(int Version, string Name, string Sql);
