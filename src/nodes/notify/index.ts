// Node family 'notify': send_email (Resend or SMTP) and slack_notification (NODES 8).
import type { NodeDefinition } from '../types.js';
import { sendEmail } from './email.js';
import { slackNotification } from './slack.js';

export const nodes: NodeDefinition[] = [sendEmail, slackNotification] as NodeDefinition[];
