using Braid.Server.Cli;
using Braid.Server.Hosting;

var (command, serverArgs) = CommandLine.Parse(args);
var builder = WebApplication.CreateBuilder(serverArgs);
builder.AddServer(serverArgs);
command?.SendLogsToStandardError(builder.Logging);

var app = builder.Build();
await app.MigrateAsync();
if (command is not null)
{
    return await command.RunAsync(app.Services);
}

await app.BootstrapAsync();
app.MapApi();
await app.RunAsync();
return 0;
