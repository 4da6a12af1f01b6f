namespace Quell.Storage;

/// <summary>A write collided with a unique value another writer stored first (two requests creating the same name at once).</summary>
public sealed class StorageConflictException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
