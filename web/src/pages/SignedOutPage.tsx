import { Link } from 'react-router';
import { usePageTitle } from '../hooks';

export default function SignedOutPage() {
  usePageTitle('Signed out');
  return (
    <section className="narrow">
      <h1>You are signed out</h1>
      <p>
        Thank you for shopping with SecureCart. <Link to="/">Back to the catalog</Link>.
      </p>
    </section>
  );
}
