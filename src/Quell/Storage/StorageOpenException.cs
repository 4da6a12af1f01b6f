using Quell.Storage;

namespace Quell.Server.Storage;

/// <summary>The configured store cannot be opened (unreachable server, bad credentials, invalid connection string); the message says which.</summary>
public sealed class StorageOpenException(string message, Exception? inner = null) : Exception(message, inner);
