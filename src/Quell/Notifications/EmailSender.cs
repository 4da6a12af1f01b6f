using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Quell.Configuration;
using Quell.Notifications;
using Quell.OnCall;

namespace Quell.Server.Notifications;

/// <summary>Email over SMTP with MailKit; the Message-Id is derived from the notification id so resends can be recognised.</summary>
public sealed class EmailSender(EmailChannelConfig config) : INotificationSender
{
    public bool Handles(string channel) => channel == ChannelAliases.Email;

    public async Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var (subject, body) = ChannelPayloads.Email(notification.Message);
        using var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = body }, MessageId = $"{notification.Id}@quell" };
        message.From.Add(MailboxAddress.Parse(config.From));
        var to = config.To.ToList();
        if (notification.Message.Recipient is { } user && config.Users.TryGetValue(user, out var address))
        {
            to.Add(address);
        }

        if (to.Count == 0)
        {
            return DeliveryResult.Failed(null, "no recipient address: set channels.email.to or channels.email.users");
        }

        foreach (var address1 in to.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            message.To.Add(MailboxAddress.Parse(address1));
        }

        using var client = new SmtpClient();
        try
        {
            await client.ConnectAsync(config.SmtpHost, config.Port, config.UseTls ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.None, cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(config.Username))
            {
                await client.AuthenticateAsync(config.Username, config.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
            }

            var reply = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
            return DeliveryResult.Delivered(250, reply);
        }
        catch (SmtpCommandException ex)
        {
            var code = (int)ex.StatusCode;
            return code >= 500 ? DeliveryResult.Failed(code, ex.Message) : DeliveryResult.Retry(code, ex.Message);
        }
        catch (Exception ex) when (ex is SmtpProtocolException or ServiceNotConnectedException or IOException or System.Net.Sockets.SocketException)
        {
            return DeliveryResult.Retry(null, ex.Message);
        }
    }
}
