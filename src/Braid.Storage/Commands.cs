using System.Data.Common;

namespace Braid.Storage;

/// <summary>Reusable statements for hot loops: built once with their parameters, then rebound per row.</summary>
public static class Commands
{
    public static DbCommand Create(DbConnection connection, DbTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>Sets the parameters in the order they were declared.</summary>
    public static void Bind(DbCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }
    }
}
