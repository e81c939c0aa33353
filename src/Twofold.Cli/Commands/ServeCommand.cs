using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Twofold.Server;

namespace Twofold.Cli.Commands;

/// <summary><c>twofold serve --bundle &lt;dir&gt; --data &lt;dir&gt; [--urls …] [--config settings.json]</c>: the HTTP service.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var bundle = new Option<string?>("--bundle") { Description = "The model bundle to serve (from twofold train)." };
        var data = new Option<string?>("--data") { Description = "The state directory: uploads, events, and the SQLite availability store." };
        var urls = new Option<string?>("--urls") { Description = "Where to listen, e.g. http://127.0.0.1:5080 (the default)." };
        var config = new Option<string?>("--config") { Description = "A JSON settings file with a \"Twofold\" section (see docs/service.md); environment variables Twofold__<Setting> also apply." };
        var command = new Command("serve", "Serve feeds, creator-side dispatch, events, metrics and the dashboard over HTTP.");
        foreach (var option in new Option[] { bundle, data, urls, config }) command.Options.Add(option);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var settings = parse.GetValue(config);
            if (settings is not null && !File.Exists(settings)) throw new FileNotFoundException($"The settings file {settings} does not exist.", settings);
            WebApplication app;
            try
            {
                app = TwofoldService.Build(
                    configuration =>
                    {
                        configuration.AddEnvironmentVariables();
                        if (settings is not null) configuration.AddJsonFile(Path.GetFullPath(settings), optional: false);
                    },
                    options => options with
                    {
                        Bundle = parse.GetValue(bundle) ?? options.Bundle,
                        Data = parse.GetValue(data) ?? options.Data,
                        Urls = parse.GetValue(urls) ?? options.Urls,
                    });
            }
            catch (InvalidDataException e)
            {
                throw new Data.DataFormatException("the service state", e.Message, inner: e);
            }
            catch (StackExchange.Redis.RedisConnectionException e)
            {
                throw new IOException($"Cannot reach Redis for the availability store: {e.Message}", e);
            }
            app.Run();
            return 0;
        }));
        return command;
    }
}
